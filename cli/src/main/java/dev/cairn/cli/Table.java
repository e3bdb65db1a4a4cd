package dev.cairn.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A plain text table: a header row and aligned columns, two spaces apart. Columns of ids may be
 * kept for a wide view ({@code --wide}): a row's cells past the header's are left out.
 */
final class Table {
    /** Text in natural order: digits compare as numbers, so node-2 comes before node-10. */
    static final Comparator<String> NATURAL = Table::compareNatural;

    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    /** Adds {@code columns} to the header if {@code wide}; rows give their cells last. */
    Table wide(boolean wide, String... columns) {
        if (wide) {
            String[] header = rows.getFirst();
            String[] more = Arrays.copyOf(header, header.length + columns.length);
            System.arraycopy(columns, 0, more, header.length, columns.length);
            rows.set(0, more);
        }
        return this;
    }

    Table row(Object... cells) {
        rows.add(Arrays.stream(cells)
                .limit(rows.getFirst().length)
                .map(c -> c == null ? "-" : c.toString())
                .toArray(String[]::new));
        return this;
    }

    private static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int endA = digitsEnd(a, i);
                int endB = digitsEnd(b, j);
                String na = a.substring(i, endA).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(j, endB).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
                i = endA;
                j = endB;
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    private static int digitsEnd(String s, int from) {
        int end = from;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        return end;
    }

    /** {@code 1 volume}, {@code 2 volumes}: a count and its noun. */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** Prints the table, or {@code none} alone when it has no rows (a bare header says nothing). */
    void printOr(PrintWriter out, String none) {
        if (rows.size() == 1) {
            out.println(none);
            out.flush();
            return;
        }
        print(out);
    }

    void print(PrintWriter out) {
        int columns = rows.getFirst().length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(r[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }
}
