package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;

/**
 * What the server does with a request header before touching any data: run it, refuse it with the
 * error the protocol prescribes, or hang up. A pure function of the header and what was negotiated,
 * so every branch is tested without a socket.
 */
final class RequestRules {
    private RequestRules() {}

    /** The decision for one request. */
    sealed interface Verdict {
        /** Run the command. */
        record Run() implements Verdict {}

        /**
         * Answer with an error. A refused WRITE's payload is still read and dropped, unless
         * {@code hangUp} (the payload is too large to accept at all): then the server answers and
         * closes the connection.
         */
        record Refuse(int errno, String message, boolean hangUp) implements Verdict {}
    }

    static final Verdict RUN = new Verdict.Run();

    private static final int KNOWN_FLAGS =
            CMD_FLAG_FUA | CMD_FLAG_NO_HOLE | CMD_FLAG_DF | CMD_FLAG_REQ_ONE | CMD_FLAG_FAST_ZERO;

    static Verdict check(Request r, long sizeBytes, ExportFeatures features, Negotiated negotiated) {
        int allowed = switch (r.type()) {
            case CMD_READ -> CMD_FLAG_FUA | (negotiated.structuredReplies() ? CMD_FLAG_DF : 0);
            case CMD_WRITE, CMD_FLUSH, CMD_TRIM -> CMD_FLAG_FUA;
            case CMD_WRITE_ZEROES -> CMD_FLAG_FUA | CMD_FLAG_NO_HOLE | CMD_FLAG_FAST_ZERO;
            case CMD_BLOCK_STATUS -> CMD_FLAG_FUA | CMD_FLAG_REQ_ONE;
            default -> -1;
        };
        if (allowed == -1) {
            return refuse(EINVAL, "unknown command " + r.type());
        }
        if ((r.flags() & ~KNOWN_FLAGS) != 0 || (r.flags() & ~allowed) != 0) {
            return refuse(
                    EINVAL,
                    "flags 0x" + Integer.toHexString(r.flags()) + " are not valid for " + commandName(r.type()));
        }
        boolean payload = r.type() == CMD_READ || r.type() == CMD_WRITE;
        if (payload && r.length() > features.maximumBlockBytes()) {
            return new Verdict.Refuse(
                    EINVAL,
                    r.describe() + " exceeds the maximum request size of " + features.maximumBlockBytes(),
                    r.type() == CMD_WRITE);
        }
        if (r.type() == CMD_FLUSH) {
            return r.offset() == 0 && r.length() == 0 ? RUN : refuse(EINVAL, "FLUSH must have offset and length 0");
        }
        if (Long.compareUnsigned(r.offset(), sizeBytes) > 0 || r.length() > sizeBytes - r.offset()) {
            int errno = r.type() == CMD_WRITE || r.type() == CMD_WRITE_ZEROES ? ENOSPC : EINVAL;
            return refuse(errno, r.describe() + " goes past the end of the export (" + sizeBytes + " bytes)");
        }
        if (r.offset() % features.minimumBlockBytes() != 0 || r.length() % features.minimumBlockBytes() != 0) {
            return refuse(EINVAL, r.describe() + " is not aligned to " + features.minimumBlockBytes() + " bytes");
        }
        boolean writes = r.type() == CMD_WRITE || r.type() == CMD_TRIM || r.type() == CMD_WRITE_ZEROES;
        if (writes && features.readOnly()) {
            return refuse(EPERM, "the export is read-only");
        }
        if (r.type() == CMD_BLOCK_STATUS) {
            if (!negotiated.blockStatusAllowed()) {
                return refuse(EINVAL, "BLOCK_STATUS needs the base:allocation context selected for this export");
            }
            if (r.length() == 0) {
                return refuse(EINVAL, "BLOCK_STATUS of 0 bytes");
            }
        }
        if (r.has(CMD_FLAG_FAST_ZERO) && !features.fastZero()) {
            return refuse(ENOTSUP, "zeroing is not faster than writing on this export");
        }
        return RUN;
    }

    private static Verdict refuse(int errno, String message) {
        return new Verdict.Refuse(errno, message, false);
    }
}
