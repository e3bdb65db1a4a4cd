package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.EIO;
import static dev.cairn.nbd.NbdProtocol.ESHUTDOWN;

import dev.cairn.nbd.NbdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;

/**
 * A READ larger than {@link #PIECE_BYTES}, answered in pieces through one buffer: a worker reads a
 * piece, the connection's writer sends it, and only then is the next piece read into the same
 * buffer. A client that does not take its reply therefore pins one piece, not 32 MiB, and the
 * piece comes out of its own connection's reply credit. With structured replies each piece is an
 * {@code OFFSET_DATA} chunk (the last one flagged done) and a failure after the first piece is an
 * error chunk; with simple replies the pieces follow one header, the writer sends nothing else in
 * between, and a failure after the first piece can only be told by hanging up.
 *
 * <p>Steps run one after another (worker, writer, worker...), each started by the previous one, so
 * the fields need no lock: every hand-over passes through a queue or an executor.
 */
final class LargeRead {
    static final int PIECE_BYTES = 1 << 20;

    private final Request request;
    private final ExportSession session;
    private final RequestExecution replies;
    private final ByteBuffer buffer;
    /** Bytes already read and handed to the writer before the current piece. */
    private long done;

    private int pieceBytes;

    LargeRead(Request request, ExportSession session, RequestExecution replies, ByteBuffer buffer) {
        this.request = request;
        this.session = session;
        this.replies = replies;
        this.buffer = buffer;
    }

    long handle() {
        return request.handle();
    }

    /** Reads the first piece on the export's executor. */
    void start() {
        dispatch();
    }

    private void dispatch() {
        try {
            session.executor().execute(this::readPiece);
        } catch (RejectedExecutionException e) {
            fail(ESHUTDOWN, "the server is shutting down");
        }
    }

    private void readPiece() {
        pieceBytes = (int) Math.min(PIECE_BYTES, request.length() - done);
        buffer.clear().limit(BufferPool.HEADROOM + pieceBytes).position(BufferPool.HEADROOM);
        try {
            session.read(request.offset() + done, buffer);
        } catch (NbdException e) {
            fail(e.errno(), e.detail());
            return;
        } catch (IOException e) {
            fail(EIO, e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        } catch (RuntimeException e) {
            fail(EIO, "internal error: " + e);
            return;
        }
        buffer.position(BufferPool.HEADROOM);
        boolean last = done + pieceBytes == request.length();
        Reply piece = new Reply.Piece(request.handle(), this, request.offset() + done, buffer, done == 0, last);
        replies.send(last ? replies.observed(request, piece) : piece);
    }

    /** The writer sent a piece that was not the last: read the next. */
    void onPieceSent() {
        done += pieceBytes;
        dispatch();
    }

    /** The last piece is out, or the connection broke: gives back the buffer and the credit. */
    void end() {
        replies.releaseData(buffer);
    }

    private void fail(int errno, String message) {
        end();
        if (done > 0 && !replies.structured()) {
            // part of the data is out under a simple reply header: there is no way to say "error"
            replies.hangUp(request.describe() + " failed after " + done + " bytes were sent: " + message);
        }
        replies.send(replies.observed(request, replies.failed(request, errno, message, new IOException(message))));
    }
}
