package com.modularlabs.common;

/**
 * The one check of a client- or archive-supplied relative file path (static files, the admin file browser, bundle
 * entries), made before the disk is touched: no absolute path, drive letter or colon, backslash, NUL, empty, "." or
 * ".." segment, at most 1024 characters. Callers still resolve against the real root and re-check the real path
 * (links).
 */
public final class RelativePath {
    public static final int MAX_LENGTH = 1024;

    private RelativePath() {
    }

    /** Why {@code p} is not a safe relative path, or null when it is. */
    public static String whyUnsafe(String p) {
        if (p == null || p.isEmpty() || p.length() > MAX_LENGTH) {
            return "empty or longer than " + MAX_LENGTH + " characters";
        }
        if (p.startsWith("/") || (p.length() > 1 && p.charAt(1) == ':' && Character.isLetter(p.charAt(0)))) { // /x or a drive letter
            return "an absolute path";
        }
        if (p.contains("\\") || p.indexOf('\0') >= 0 || p.contains(":")) {
            return "holds a backslash, NUL or colon";
        }
        for (String seg : p.split("/", -1)) {
            if (seg.equals("..") || seg.equals(".") || seg.isEmpty()) {
                return "a '..', '.' or empty segment";
            }
        }
        return null;
    }
}
