package dev.cairn.node;

import dev.cairn.control.api.Sizes;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * One {@code --drive} argument: {@code PATH[,size=SIZE][,format][,bandwidth=SIZE]}.
 *
 * <p>A missing path is created as a sparse file of {@code size}. An existing path (file or block
 * device) is opened; one without a Cairn label is formatted only if it is blank (its first MiB all
 * zero) or {@code format} is given, so a typo can never erase someone's disk. {@code bandwidth}:
 * the drive moves at most that many bytes per second (reads and writes together), as a disk would;
 * for tests and benchmarks whose drives are files on one machine ({@code bytesPerSecond} 0: no
 * limit).
 */
public record DriveSpec(Path path, OptionalLong sizeBytes, boolean format, long bytesPerSecond) {

    /** Without a bandwidth limit. */
    public DriveSpec(Path path, OptionalLong sizeBytes, boolean format) {
        this(path, sizeBytes, format, 0);
    }

    public static DriveSpec parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts[0].isBlank()) {
            throw new IllegalArgumentException("drive '" + text + "' has no path");
        }
        OptionalLong size = OptionalLong.empty();
        boolean format = false;
        long bandwidth = 0;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.equals("format")) {
                format = true;
            } else if (p.startsWith("size=")) {
                size = OptionalLong.of(Sizes.parse(p.substring(5), "--drive " + parts[0] + ": size="));
            } else if (p.startsWith("bandwidth=")) {
                bandwidth = Sizes.parse(p.substring(10), "--drive " + parts[0] + ": bandwidth=");
                if (bandwidth <= 0) {
                    throw new IllegalArgumentException("drive '" + text + "': bandwidth must be positive");
                }
            } else {
                throw new IllegalArgumentException("drive '" + text + "': unknown option '" + p
                        + "' (expected size=SIZE, format or bandwidth=SIZE)");
            }
        }
        return new DriveSpec(Path.of(parts[0]), size, format, bandwidth);
    }
}
