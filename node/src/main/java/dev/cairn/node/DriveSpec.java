package dev.cairn.node;

import dev.cairn.control.api.Sizes;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * One {@code --drive} argument: {@code PATH[,size=SIZE][,format]}.
 *
 * <p>A missing path is created as a sparse file of {@code size}. An existing path (file or block
 * device) is opened; one without a Cairn label is formatted only if it is blank (its first MiB all
 * zero) or {@code format} is given, so a typo can never erase someone's disk.
 */
public record DriveSpec(Path path, OptionalLong sizeBytes, boolean format) {

    public static DriveSpec parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts[0].isBlank()) {
            throw new IllegalArgumentException("drive '" + text + "' has no path");
        }
        OptionalLong size = OptionalLong.empty();
        boolean format = false;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.equals("format")) {
                format = true;
            } else if (p.startsWith("size=")) {
                size = OptionalLong.of(Sizes.parse(p.substring(5), "--drive " + parts[0] + ": size="));
            } else {
                throw new IllegalArgumentException(
                        "drive '" + text + "': unknown option '" + p + "' (expected size=SIZE or format)");
            }
        }
        return new DriveSpec(Path.of(parts[0]), size, format);
    }
}
