package com.modularlabs.observability;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records what the application logs (JBoss LogManager implements java.util.logging), for assertions on log lines. */
public final class LogCapture extends Handler implements AutoCloseable {
    public final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger logger;

    private LogCapture(String name) {
        this.logger = Logger.getLogger(name);
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    /** Everything logged under {@code name} ("" for every logger) from now until close. */
    public static LogCapture of(String name) {
        return new LogCapture(name);
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    /** Formatted messages of records at or above {@code level} from loggers named {@code logger}. */
    public List<String> messages(String loggerName, Level level) {
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue())
                .filter(r -> loggerName == null || loggerName.equals(r.getLoggerName()))
                .map(r -> formatted(r)).toList();
    }

    /** Records at WARN or above that carry a stack trace, or any ERROR. */
    public List<String> tracesOrErrors() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()
                        || r.getLevel().intValue() >= Level.WARNING.intValue() && r.getThrown() != null)
                .map(r -> r.getLoggerName() + ": " + formatted(r)).toList();
    }

    static String formatted(LogRecord r) {
        String m = r.getMessage();
        Object[] p = r.getParameters();
        if (m != null && p != null && p.length > 0) {
            try {
                return m.contains("%") ? String.format(m, p) : java.text.MessageFormat.format(m, p);
            } catch (RuntimeException e) {
                return m;
            }
        }
        return m;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
