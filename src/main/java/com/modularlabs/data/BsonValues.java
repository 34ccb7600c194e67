package com.modularlabs.data;

import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * MongoDB value equality and ordering for code that evaluates filters and updates in memory (data.UpdateEval,
 * realtime.Matcher). One implementation so the two agree with each other and with the database: numbers compare by
 * value across Integer/Long/Double/Decimal128, strings by code point (MongoDB compares UTF-8 bytes), documents field
 * by field in order, arrays element by element, and values of different types by BSON type order.
 */
public final class BsonValues {
    private static final Runnable NOTHING = () -> { };

    private BsonValues() {
    }

    /** BSON equality: numbers by value across types, documents field by field in order, arrays element by element. */
    public static boolean equal(Object a, Object b) {
        return equal(a, b, NOTHING);
    }

    /** {@link #equal(Object, Object)}, calling {@code perNode} once per compared node (step budgets). */
    public static boolean equal(Object a, Object b, Runnable perNode) {
        perNode.run();
        if (a instanceof Document x && b instanceof Document y) {
            if (x.size() != y.size()) {
                return false;
            }
            var i = x.entrySet().iterator();
            var j = y.entrySet().iterator();
            while (i.hasNext()) {
                var p = i.next();
                var q = j.next();
                if (!p.getKey().equals(q.getKey()) || !equal(p.getValue(), q.getValue(), perNode)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int k = 0; k < x.size(); k++) {
                if (!equal(x.get(k), y.get(k), perNode)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Number x && b instanceof Number y) {
            return decimal(x).compareTo(decimal(y)) == 0;
        }
        return a == null ? b == null : a.equals(b);
    }

    /** Whether $gt and friends compare these two: both numbers, strings, dates, ObjectIds or booleans. */
    public static boolean comparable(Object a, Object b) {
        int r = rank(a);
        return r == rank(b) && (r == 2 || r == 3 || r == 7 || r == 8 || r == 9);
    }

    /**
     * MongoDB's cross-type order (simplified): null, numbers, strings, objects, arrays, ObjectId, booleans, dates,
     * anything else; within numbers, strings, ObjectIds, booleans and dates by value, other values of one type equal.
     */
    public static int compare(Object a, Object b) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        if (a instanceof Number x && b instanceof Number y) {
            return decimal(x).compareTo(decimal(y));
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof Date x && b instanceof Date y) {
            return x.compareTo(y);
        }
        if (a instanceof ObjectId x && b instanceof ObjectId y) {
            return x.compareTo(y);
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return x.compareTo(y);
        }
        return 0;
    }

    /** Position of the value's type in the order above; 6 (binary data in MongoDB) is not used here. */
    private static int rank(Object v) {
        return v == null ? 1
                : v instanceof Number ? 2
                : v instanceof String ? 3
                : v instanceof Document ? 4
                : v instanceof List ? 5
                : v instanceof ObjectId ? 7
                : v instanceof Boolean ? 8
                : v instanceof Date ? 9
                : 10;
    }

    /** UTF-8 byte order is code point order (not UTF-16 unit order, which String.compareTo uses). */
    private static int compareCodePoints(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i);
            int b = y.codePointAt(j);
            if (a != b) {
                return Integer.compare(a, b);
            }
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Integer.compare(x.length() - i, y.length() - j);
    }

    /** Exact value of a number; NaN and infinities (which BigDecimal cannot hold) are clamped instead of throwing. */
    private static BigDecimal decimal(Number n) {
        if (n instanceof Decimal128 d) {
            return d.isNaN() || d.isInfinite() ? BigDecimal.ZERO : d.bigDecimalValue();
        }
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            return d != d ? BigDecimal.ZERO
                    : Double.isInfinite(d) ? BigDecimal.valueOf(d > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE)
                    : BigDecimal.valueOf(d);
        }
        return BigDecimal.valueOf(n.longValue());
    }
}
