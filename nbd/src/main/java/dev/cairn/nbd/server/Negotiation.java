package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;

import dev.cairn.nbd.internal.WireReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed newstyle handshake, server side: greets, reads the client flags, then answers options
 * until the client chooses an export (EXPORT_NAME or GO), aborts, or misbehaves. Unknown options
 * are answered with NBD_REP_ERR_UNSUP and the server stays in sync (every option declares its
 * length). Runs on the connection's reader thread, under the handshake deadline.
 *
 * <p>With TLS configured the server is in the protocol's FORCEDTLS mode: until NBD_OPT_STARTTLS
 * has upgraded the connection, every option but STARTTLS and ABORT is answered
 * NBD_REP_ERR_TLS_REQD, and EXPORT_NAME (which cannot be answered with an error) ends the session.
 * STARTTLS is acknowledged, the TLS handshake runs (still under the handshake deadline), and the
 * negotiation goes on through TLS from a clean state; a second STARTTLS is NBD_REP_ERR_INVALID.
 * Without TLS configured, STARTTLS is NBD_REP_ERR_POLICY.
 */
final class Negotiation {
    private static final Logger log = LoggerFactory.getLogger(Negotiation.class);
    static final int MAX_OPTION_BYTES = 64 * 1024;
    static final int MAX_OPTIONS = 256;
    static final int META_CONTEXT_ID = 1;

    /** Upgrades the connection to TLS: runs the TLS handshake, returns the channel to write to. */
    interface StartTls {
        GatheringByteChannel upgrade() throws IOException;
    }

    private final WireReader in;
    private OptionReplies out;
    private final ExportCatalog catalog;
    private final String peer;
    /** Present when the server requires TLS. */
    private final Optional<StartTls> tls;

    private boolean secured;
    private boolean noZeroes;
    private boolean structured;
    /** The export name for which base:allocation was selected by the last SET_META_CONTEXT. */
    private Optional<String> metaContextExport = Optional.empty();

    Negotiation(WireReader in, OptionReplies out, ExportCatalog catalog, String peer, Optional<StartTls> tls) {
        this.in = in;
        this.out = out;
        this.catalog = catalog;
        this.peer = peer;
        this.tls = tls;
    }

    /** Runs the handshake; empty when the session ends without entering transmission. */
    Optional<Negotiated> run() throws IOException {
        out.raw(ByteBuffer.allocate(18).putLong(NBD_MAGIC).putLong(IHAVEOPT).putShort((short)
                (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)));
        int clientFlags = in.readInt();
        if ((clientFlags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) != 0) {
            log.warn("{}: unknown client flags {}; disconnecting", peer, Integer.toHexString(clientFlags));
            return Optional.empty();
        }
        boolean fixed = (clientFlags & FLAG_FIXED_NEWSTYLE) != 0;
        noZeroes = (clientFlags & FLAG_NO_ZEROES) != 0;
        for (int count = 0; count < MAX_OPTIONS; count++) {
            long magic = in.readLong();
            if (magic != IHAVEOPT) {
                log.warn("{}: option without the IHAVEOPT magic; disconnecting", peer);
                return Optional.empty();
            }
            int option = in.readInt();
            long length = Integer.toUnsignedLong(in.readInt());
            if (length > MAX_OPTION_BYTES) {
                if (option != OPT_EXPORT_NAME && fixed) {
                    out.error(
                            option,
                            REP_ERR_TOO_BIG,
                            "option data of " + length + " bytes exceeds the " + MAX_OPTION_BYTES
                                    + " this server accepts");
                }
                log.warn("{}: option {} of {} bytes is too large; disconnecting", peer, option, length);
                return Optional.empty();
            }
            OptionData data = new OptionData(in.readBytesAsTheyArrive((int) length));
            if (!fixed && option != OPT_EXPORT_NAME) {
                log.warn("{}: option {} without fixed newstyle; disconnecting", peer, option);
                return Optional.empty();
            }
            if (tls.isPresent() && !secured && option != OPT_STARTTLS && option != OPT_ABORT) {
                if (option == OPT_EXPORT_NAME) {
                    log.warn("{}: NBD_OPT_EXPORT_NAME without TLS, which this server requires; disconnecting", peer);
                    return Optional.empty();
                }
                out.error(option, REP_ERR_TLS_REQD, "this server requires TLS: send NBD_OPT_STARTTLS first");
                continue;
            }
            try {
                Step step = handle(option, data);
                if (step instanceof Step.Enter(Negotiated n)) {
                    return Optional.of(n);
                }
                if (step instanceof Step.End) {
                    return Optional.empty();
                }
            } catch (OptionData.Invalid e) {
                out.error(option, REP_ERR_INVALID, e.getMessage());
            }
        }
        log.warn("{}: {} options without choosing an export; disconnecting", peer, MAX_OPTIONS);
        return Optional.empty();
    }

    /** What to do after an option. */
    private sealed interface Step {
        record Continue() implements Step {}

        record End() implements Step {}

        record Enter(Negotiated negotiated) implements Step {}
    }

    private static final Step CONTINUE = new Step.Continue();

    private Step handle(int option, OptionData data) throws IOException, OptionData.Invalid {
        switch (option) {
            case OPT_EXPORT_NAME -> {
                return exportName(data.rest("export name"));
            }
            case OPT_ABORT -> {
                out.ack(option);
                return new Step.End();
            }
            case OPT_LIST -> {
                data.expectEnd("NBD_OPT_LIST");
                for (ExportCatalog.Listing l : catalog.list()) {
                    byte[] name = l.name().getBytes(StandardCharsets.UTF_8);
                    byte[] description = l.description().getBytes(StandardCharsets.UTF_8);
                    out.reply(
                            option,
                            REP_SERVER,
                            ByteBuffer.allocate(4 + name.length + description.length)
                                    .putInt(name.length)
                                    .put(name)
                                    .put(description)
                                    .flip());
                }
                out.ack(option);
            }
            case OPT_STARTTLS -> {
                return startTls(option, data);
            }
            case OPT_INFO, OPT_GO -> {
                return infoOrGo(option, data);
            }
            case OPT_STRUCTURED_REPLY -> {
                data.expectEnd("NBD_OPT_STRUCTURED_REPLY");
                structured = true;
                out.ack(option);
            }
            case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(option, data);
            default -> out.error(option, REP_ERR_UNSUP, "option " + option + " is not supported by this server");
        }
        return CONTINUE;
    }

    private Step startTls(int option, OptionData data) throws IOException, OptionData.Invalid {
        if (tls.isEmpty()) {
            out.error(option, REP_ERR_POLICY, "TLS is not configured on this server");
            return CONTINUE;
        }
        if (secured) {
            out.error(option, REP_ERR_INVALID, "TLS is already in use on this connection");
            return CONTINUE;
        }
        data.expectEnd("NBD_OPT_STARTTLS");
        if (in.buffered() > 0) {
            // The client must wait for the reply before it starts TLS: bytes sent in clear ahead of
            // it could only be taken for the start of the TLS session, which nobody vouches for.
            log.warn("{}: {} bytes sent after NBD_OPT_STARTTLS before its reply; disconnecting", peer, in.buffered());
            return new Step.End();
        }
        out.ack(option);
        out = new OptionReplies(tls.get().upgrade());
        secured = true;
        return CONTINUE;
    }

    private Step exportName(String name) throws IOException {
        ExportLookup lookup = catalog.open(name);
        if (!(lookup instanceof ExportLookup.Found(ExportSession session))) {
            // NBD_OPT_EXPORT_NAME cannot carry an error: the protocol says to hang up.
            // Only the name: what follows a ';' may be credentials (Cairn's ";gen=G;key=SECRET").
            int semicolon = name.indexOf(';');
            log.info(
                    "{}: EXPORT_NAME {}: {}",
                    peer,
                    semicolon < 0 ? name : name.substring(0, semicolon),
                    message(lookup));
            return new Step.End();
        }
        ByteBuffer b = ByteBuffer.allocate(noZeroes ? 10 : 134);
        b.putLong(session.sizeBytes()).putShort((short) transmissionFlags(session.features()));
        b.position(b.limit());
        out.raw(b);
        return new Step.Enter(negotiated(session, name));
    }

    private Step infoOrGo(int option, OptionData data) throws IOException, OptionData.Invalid {
        String name = data.string(data.u32("export name length"), "export name");
        int count = data.u16("information request count");
        List<Integer> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(data.u16("information request"));
        }
        data.expectEnd(option == OPT_GO ? "NBD_OPT_GO" : "NBD_OPT_INFO");
        ExportLookup lookup = catalog.open(name);
        switch (lookup) {
            case ExportLookup.Unknown u -> out.error(option, REP_ERR_UNKNOWN, u.message());
            case ExportLookup.Refused r -> out.error(option, REP_ERR_POLICY, r.message());
            case ExportLookup.Found(ExportSession session) -> {
                sendInfo(option, session, requests);
                out.ack(option);
                if (option == OPT_GO) {
                    return new Step.Enter(negotiated(session, name));
                }
                session.close();
            }
        }
        return CONTINUE;
    }

    private void sendInfo(int option, ExportSession session, List<Integer> requests) throws IOException {
        ExportFeatures f = session.features();
        out.reply(
                option,
                REP_INFO,
                ByteBuffer.allocate(12)
                        .putShort((short) INFO_EXPORT)
                        .putLong(session.sizeBytes())
                        .putShort((short) transmissionFlags(f))
                        .flip());
        out.reply(
                option,
                REP_INFO,
                ByteBuffer.allocate(14)
                        .putShort((short) INFO_BLOCK_SIZE)
                        .putInt(f.minimumBlockBytes())
                        .putInt(f.preferredBlockBytes())
                        .putInt(f.maximumBlockBytes())
                        .flip());
        if (requests.contains(INFO_NAME)) {
            out.reply(option, REP_INFO, infoString(INFO_NAME, session.name()));
        }
        if (requests.contains(INFO_DESCRIPTION)) {
            out.reply(option, REP_INFO, infoString(INFO_DESCRIPTION, session.description()));
        }
    }

    private static ByteBuffer infoString(int type, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + bytes.length)
                .putShort((short) type)
                .put(bytes)
                .flip();
    }

    private void metaContext(int option, OptionData data) throws IOException, OptionData.Invalid {
        String export = data.string(data.u32("export name length"), "export name");
        long queries = data.u32("query count");
        List<String> wanted = new ArrayList<>();
        for (long i = 0; i < queries; i++) {
            wanted.add(data.string(data.u32("query length"), "query"));
        }
        data.expectEnd("meta context option");
        if (!structured) {
            out.error(option, REP_ERR_INVALID, "negotiate NBD_OPT_STRUCTURED_REPLY before metadata contexts");
            return;
        }
        boolean list = option == OPT_LIST_META_CONTEXT;
        boolean selected = (list && wanted.isEmpty())
                || wanted.stream().anyMatch(q -> q.equals(BASE_ALLOCATION) || (list && q.equals("base:")));
        if (selected) {
            byte[] name = BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            out.reply(
                    option,
                    REP_META_CONTEXT,
                    ByteBuffer.allocate(4 + name.length)
                            .putInt(list ? 0 : META_CONTEXT_ID)
                            .put(name)
                            .flip());
        }
        if (!list) {
            metaContextExport = selected ? Optional.of(export) : Optional.empty();
        }
        out.ack(option);
    }

    private Negotiated negotiated(ExportSession session, String requestedName) {
        boolean context = metaContextExport.map(requestedName::equals).orElse(false);
        return new Negotiated(session, structured, context ? META_CONTEXT_ID : 0);
    }

    private int transmissionFlags(ExportFeatures f) {
        int flags = FLAG_HAS_FLAGS
                | FLAG_SEND_FLUSH
                | FLAG_SEND_FUA
                | FLAG_SEND_TRIM
                | FLAG_SEND_WRITE_ZEROES
                | FLAG_SEND_FAST_ZERO;
        if (f.readOnly()) {
            flags |= FLAG_READ_ONLY;
        }
        if (f.multiConn()) {
            flags |= FLAG_CAN_MULTI_CONN;
        }
        if (structured) {
            flags |= FLAG_SEND_DF;
        }
        return flags;
    }

    private static String message(ExportLookup lookup) {
        return switch (lookup) {
            case ExportLookup.Unknown u -> u.message();
            case ExportLookup.Refused r -> r.message();
            case ExportLookup.Found _ -> "found";
        };
    }
}
