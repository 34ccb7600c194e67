package com.modularlabs.common;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Plain JUnit property testing: {@link #forAll} checks a property on N inputs drawn from a seeded SplittableRandom,
 * plus small generators. The seed is fixed so runs repeat; -Dprops.seed=S picks another, -Dprops.tries=N overrides
 * every property's case count. A failure names the seed, the case and its input (no shrinking): rerunning with the
 * same seed regenerates the same cases.
 */
public final class Gen {
    public static final long DEFAULT_SEED = 0x5EED_2026_1129L;
    private static final int INPUT_CHARS_SHOWN = 20_000;

    private final SplittableRandom random;

    private Gen(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * Checks {@code property} on {@code tries} inputs from {@code arbitrary}. The input's toString (a record for
     * several arguments) goes into the failure message, escaped, with the seed that reproduces it.
     */
    public static <T> void forAll(int tries, Function<Gen, T> arbitrary, Consumer<T> property) {
        long seed = Long.getLong("props.seed", DEFAULT_SEED);
        int n = Integer.getInteger("props.tries", tries);
        String name = StackWalker.getInstance().walk(s -> s.skip(1).findFirst())
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("property");
        System.out.println("[props] " + name + ": " + n + " cases, seed " + seed + " (-Dprops.seed, -Dprops.tries)");
        // one generator per case, seeded from the run's sequence: case i is the same whatever earlier cases drew
        SplittableRandom cases = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            T input = arbitrary.apply(new Gen(cases.nextLong()));
            try {
                property.accept(input);
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                    throw (VirtualMachineError) t;
                }
                throw new AssertionError(name + " failed on case " + (i + 1) + " of " + n + " with -Dprops.seed=" + seed
                        + ": " + show(String.valueOf(t)) + "\n  input: " + show(String.valueOf(input)), t);
            }
        }
    }

    /** Control characters and non-ASCII escaped (so NULs and lone surrogates are visible), at most 20,000 chars. */
    static String show(String s) {
        StringBuilder sb = new StringBuilder();
        int limit = Math.min(s.length(), INPUT_CHARS_SHOWN);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > limit) {
            sb.append("… (").append(s.length()).append(" chars in all; the seed regenerates it)");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ generators

    /** Uniform in [min, max]. */
    public int between(int min, int max) {
        return random.nextInt(min, max + 1);
    }

    public boolean oneIn(int n) {
        return random.nextInt(n) == 0;
    }

    @SafeVarargs
    public final <T> T of(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** One of the suppliers, uniformly. */
    @SafeVarargs
    public final <T> T oneOf(Supplier<? extends T>... choices) {
        return of(choices).get();
    }

    /** Index i with probability weights[i] / sum(weights). */
    public int weighted(int... weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int r = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    public <T> List<T> list(int minSize, int maxSize, Supplier<T> element) {
        int n = between(minSize, maxSize);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.get());
        }
        return out;
    }

    /** Any int, edge values (0, ±1, MIN, MAX) one time in eight. */
    public int anyInt() {
        return oneIn(8) ? of(0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE) : random.nextInt();
    }

    /** Any long, edge values one time in eight. */
    public long anyLong() {
        return oneIn(8) ? of(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE) : random.nextLong();
    }

    /** Any double: special values one time in eight, otherwise a random bit pattern or a small decimal. */
    public double anyDouble() {
        if (oneIn(8)) {
            return of(0.0, -0.0, 1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
                    Double.MAX_VALUE, -Double.MAX_VALUE);
        }
        return oneIn(2) ? Double.longBitsToDouble(random.nextLong()) : (random.nextDouble() - 0.5) * 2000;
    }

    public byte[] bytes(int maxSize) {
        byte[] b = new byte[between(0, maxSize)];
        random.nextBytes(b);
        return b;
    }

    /**
     * Any UTF-16 chars up to maxLength: mostly ASCII (printable and control), also Latin-1, other BMP chars and
     * lone or paired surrogates.
     */
    public String string(int maxLength) {
        int n = between(0, maxLength);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(switch (weighted(4, 1, 1, 1, 1)) {
                case 0 -> (char) between(0x20, 0x7e);
                case 1 -> (char) between(0, 0x1f);
                case 2 -> (char) between(0x7f, 0xff);
                case 3 -> (char) between(0x100, 0xffff);
                default -> (char) between(0xd800, 0xdfff);
            });
        }
        return sb.toString();
    }

    /** minLength to maxLength chars, all from alphabet. */
    public String string(int minLength, int maxLength, String alphabet) {
        int n = between(minLength, maxLength);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    public static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    public static final String DIGITS = "0123456789";
}
