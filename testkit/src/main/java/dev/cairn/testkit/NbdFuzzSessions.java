package dev.cairn.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * Generated NBD client byte streams for fuzzing a server, each drawn from a {@link
 * RandomGenerator} so a seed replays it: pure noise, noise as handshake options, and valid sessions
 * (fixed newstyle, structured replies, base:allocation, GO) whose requests are mutated (lengths,
 * flags, commands, offsets, truncated payloads, a wrong magic) and whose stream may be cut or have
 * bytes flipped anywhere. The server's unit properties and the system fuzz test draw from the same
 * families, and other tests build their own sessions from its pieces ({@link #clientFlags}, {@link
 * #option}, {@link #go}). Protocol numbers are the NBD specification's (testkit does not depend on
 * the NBD module).
 */
public final class NbdFuzzSessions {
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int FLAG_FIXED_NEWSTYLE = 1;
    private static final int FLAG_NO_ZEROES = 2;
    private static final int OPT_GO = 7;
    private static final int OPT_STRUCTURED_REPLY = 8;
    private static final int OPT_SET_META_CONTEXT = 10;
    private static final int CMD_READ = 0;
    private static final int CMD_WRITE = 1;
    private static final int CMD_DISC = 2;
    private static final int CMD_FLUSH = 3;
    private static final int CMD_TRIM = 4;
    private static final int CMD_WRITE_ZEROES = 6;
    private static final int CMD_BLOCK_STATUS = 7;
    private static final int[] COMMANDS = {
        CMD_READ, CMD_WRITE, CMD_WRITE, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES, CMD_BLOCK_STATUS, CMD_DISC
    };
    /** No flag, FUA, NO_HOLE, DF, REQ_ONE, FAST_ZERO. */
    private static final int[] FLAGS = {0, 0, 1, 2, 4, 8, 16};

    private final String export;
    private final long exportBytes;

    /** Sessions against {@code export}, of {@code exportBytes} (keep it small: READs are read back). */
    public NbdFuzzSessions(String export, long exportBytes) {
        this.export = export;
        this.exportBytes = exportBytes;
    }

    /** The three families in turn, by {@code index}: noise, noise as options, mutated sessions. */
    public byte[] session(long index, RandomGenerator random) {
        return switch ((int) (index % 3)) {
            case 0 -> noise(random);
            case 1 -> noiseAsOptions(random);
            default -> mutate(validSession(random), random);
        };
    }

    /** Up to 400 random bytes instead of a client. */
    public static byte[] noise(RandomGenerator random) {
        byte[] b = new byte[random.nextInt(401)];
        random.nextBytes(b);
        return b;
    }

    /** Client flags, then up to 6 options: codes near the known ones or anything, lengths that lie. */
    public static byte[] noiseAsOptions(RandomGenerator random) {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(clientFlags());
        int options = random.nextInt(7);
        for (int i = 0; i < options; i++) {
            int code = random.nextBoolean() ? random.nextInt(13) : random.nextInt();
            byte[] data = new byte[random.nextInt(65)];
            random.nextBytes(data);
            int lie = switch (random.nextInt(5)) {
                case 0, 1, 2 -> 0;
                case 3 -> random.nextInt(-8, 9);
                default -> random.nextInt();
            };
            s.writeBytes(ByteBuffer.allocate(16 + data.length)
                    .putLong(random.nextInt(5) == 0 ? 0x1122334455667788L : IHAVEOPT)
                    .putInt(code)
                    .putInt(data.length + lie)
                    .put(data)
                    .array());
        }
        return s.toByteArray();
    }

    /**
     * A valid handshake (structured replies and base:allocation each chosen at random) and up to 12
     * requests: mostly plausible ones (valid commands in range, a write's payload maybe cut short),
     * some with anything at all in their header fields.
     */
    public byte[] validSession(RandomGenerator random) {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(clientFlags());
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(4) != 0) {
            s.writeBytes(option(OPT_STRUCTURED_REPLY, new byte[0]));
            if (random.nextBoolean()) {
                byte[] query = "base:allocation".getBytes(StandardCharsets.US_ASCII);
                s.writeBytes(option(
                        OPT_SET_META_CONTEXT,
                        ByteBuffer.allocate(12 + name.length + query.length)
                                .putInt(name.length)
                                .put(name)
                                .putInt(1)
                                .putInt(query.length)
                                .put(query)
                                .array()));
            }
        }
        s.writeBytes(go(export));
        int requests = random.nextInt(13);
        for (int i = 0; i < requests; i++) {
            s.writeBytes(random.nextInt(4) == 0 ? wildRequest(random) : plausibleRequest(random));
        }
        return s.toByteArray();
    }

    /** Usually as is; sometimes cut short, or with a few bytes flipped. */
    public static byte[] mutate(byte[] session, RandomGenerator random) {
        int roll = random.nextInt(10);
        if (roll < 2) {
            byte[] cut = new byte[random.nextInt(session.length + 1)];
            System.arraycopy(session, 0, cut, 0, cut.length);
            return cut;
        }
        if (roll == 2) {
            byte[] flipped = session.clone();
            for (int i = random.nextInt(1, 4); i > 0 && flipped.length > 0; i--) {
                flipped[random.nextInt(flipped.length)] ^= (byte) random.nextInt(1, 256);
            }
            return flipped;
        }
        return session;
    }

    private byte[] plausibleRequest(RandomGenerator random) {
        int type = COMMANDS[random.nextInt(COMMANDS.length)];
        int flags = FLAGS[random.nextInt(FLAGS.length)];
        long blocks = exportBytes / 4096;
        long offset = random.nextLong(blocks) * 4096;
        long length = Math.min(random.nextInt(65) * 4096L, exportBytes - offset);
        int payload = type == CMD_WRITE ? (int) (length * random.nextInt(101) / 100) : 0;
        return request(REQUEST_MAGIC, flags, type, offset, length, payload, random);
    }

    private byte[] wildRequest(RandomGenerator random) {
        int type = random.nextInt(0x10000);
        int flags = random.nextInt(0x10000);
        long[] offsets = {0, exportBytes - 4096, exportBytes, exportBytes + 1, Long.MAX_VALUE, -1};
        long offset = random.nextBoolean() ? offsets[random.nextInt(offsets.length)] : random.nextLong();
        long[] lengths = {0, 1, 4096, 32L << 20, (32L << 20) + 1, 0xFFFFFFFFL};
        long length = random.nextBoolean() ? lengths[random.nextInt(lengths.length)] : random.nextLong(0x100000000L);
        int magic = random.nextInt(4) == 0 ? 0x12345678 : REQUEST_MAGIC;
        return request(magic, flags, type, offset, length, (int) Math.min(length, 2048), random);
    }

    private static byte[] request(
            int magic, int flags, int type, long offset, long length, int payloadBytes, RandomGenerator random) {
        byte[] payload = new byte[payloadBytes];
        random.nextBytes(payload);
        return ByteBuffer.allocate(28 + payloadBytes)
                .putInt(magic)
                .putShort((short) flags)
                .putShort((short) type)
                .putLong(offset ^ length)
                .putLong(offset)
                .putInt((int) length)
                .put(payload)
                .array();
    }

    /** What a fixed-newstyle client answers the greeting with: fixed newstyle, no zeroes. */
    public static byte[] clientFlags() {
        return ByteBuffer.allocate(4)
                .putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)
                .array();
    }

    /** {@code NBD_OPT_GO} for {@code export}, asking for no extra information. */
    public static byte[] go(String export) {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        return option(
                OPT_GO,
                ByteBuffer.allocate(6 + name.length)
                        .putInt(name.length)
                        .put(name)
                        .putShort((short) 0)
                        .array());
    }

    /** An option as a client sends it: magic, code, length, data. */
    public static byte[] option(int option, byte[] data) {
        return ByteBuffer.allocate(16 + data.length)
                .putLong(IHAVEOPT)
                .putInt(option)
                .putInt(data.length)
                .put(data)
                .array();
    }
}
