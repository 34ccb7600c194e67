package com.modularlabs.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;

/**
 * A UTF-8 {@link Writer} onto a byte stream, unsynchronised and buffered, for the export's JSON lines: the BSON
 * JSON writer emits one char at a time, which through an {@code OutputStreamWriter} costs a lock and a
 * {@code CharBuffer} per char, and through a {@code StringWriter} an extra String copy per document. One thread only.
 */
final class Utf8Out extends Writer {
    private final OutputStream out;
    private final byte[] buf;
    private int pos;
    private char high; // a pending high surrogate

    Utf8Out(OutputStream out, int size) {
        this.out = out;
        this.buf = new byte[size];
    }

    @Override
    public void write(int c) throws IOException {
        if (pos + 4 > buf.length) {
            drain();
        }
        char ch = (char) c;
        if (ch < 0x80 && high == 0) {
            buf[pos++] = (byte) ch;
        } else {
            encode(ch);
        }
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        for (int i = off, end = off + len; i < end; i++) {
            write(s.charAt(i));
        }
    }

    @Override
    public void write(char[] cs, int off, int len) throws IOException {
        for (int i = off, end = off + len; i < end; i++) {
            write(cs[i]);
        }
    }

    private void encode(char ch) {
        if (high != 0) {
            char h = high;
            high = 0;
            if (Character.isLowSurrogate(ch)) {
                int cp = Character.toCodePoint(h, ch);
                buf[pos++] = (byte) (0xF0 | (cp >> 18));
                buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[pos++] = (byte) (0x80 | (cp & 0x3F));
                return;
            }
            buf[pos++] = '?'; // a lone high surrogate, as the JDK's encoder replaces it (4 bytes are reserved: '?' + 3)
        }
        if (ch < 0x80) {
            buf[pos++] = (byte) ch;
        } else if (ch < 0x800) {
            buf[pos++] = (byte) (0xC0 | (ch >> 6));
            buf[pos++] = (byte) (0x80 | (ch & 0x3F));
        } else if (Character.isHighSurrogate(ch)) {
            high = ch;
        } else if (Character.isLowSurrogate(ch)) {
            buf[pos++] = '?';
        } else {
            buf[pos++] = (byte) (0xE0 | (ch >> 12));
            buf[pos++] = (byte) (0x80 | ((ch >> 6) & 0x3F));
            buf[pos++] = (byte) (0x80 | (ch & 0x3F));
        }
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }

    /** Writes out the buffered bytes (a pending high surrogate waits for its pair). */
    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    /** Flushes; the underlying stream stays open (it is the ZIP between entries). */
    @Override
    public void close() throws IOException {
        if (high != 0) {
            high = 0;
            if (pos + 1 > buf.length) {
                drain();
            }
            buf[pos++] = '?';
        }
        flush();
    }
}
