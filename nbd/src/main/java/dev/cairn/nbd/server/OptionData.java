package dev.cairn.nbd.server;

import dev.cairn.nbd.NbdProtocol;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The data of one option, read defensively: every read is bounds-checked against the length the
 * client declared, and strings must be valid UTF-8 without NUL and within the protocol's limit.
 * A violation throws {@link Invalid}, answered with NBD_REP_ERR_INVALID.
 */
final class OptionData {
    /** The option's data does not parse. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final ByteBuffer data;

    OptionData(byte[] bytes) {
        this.data = ByteBuffer.wrap(bytes);
    }

    int remaining() {
        return data.remaining();
    }

    long u32(String what) throws Invalid {
        need(4, what);
        return Integer.toUnsignedLong(data.getInt());
    }

    int u16(String what) throws Invalid {
        need(2, what);
        return Short.toUnsignedInt(data.getShort());
    }

    /** A string of {@code length} bytes. */
    String string(long length, String what) throws Invalid {
        if (length > NbdProtocol.MAX_STRING_BYTES) {
            throw new Invalid(what + " is " + length + " bytes; the protocol allows at most 4096");
        }
        need(length, what);
        ByteBuffer bytes = data.slice(data.position(), (int) length);
        data.position(data.position() + (int) length);
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
            if (s.indexOf('\0') >= 0) {
                throw new Invalid(what + " contains a NUL character");
            }
            return s;
        } catch (CharacterCodingException e) {
            throw new Invalid(what + " is not valid UTF-8");
        }
    }

    /** The whole remaining data as a string (EXPORT_NAME). */
    String rest(String what) throws Invalid {
        return string(data.remaining(), what);
    }

    void expectEnd(String what) throws Invalid {
        if (data.hasRemaining()) {
            throw new Invalid(what + " has " + data.remaining() + " unexpected trailing bytes");
        }
    }

    private void need(long n, String what) throws Invalid {
        if (data.remaining() < n) {
            throw new Invalid(what + " needs " + n + " bytes but only " + data.remaining() + " remain in the option");
        }
    }
}
