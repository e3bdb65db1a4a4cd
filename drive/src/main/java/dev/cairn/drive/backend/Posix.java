package dev.cairn.drive.backend;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few Linux system calls the file backend needs and the JDK does not offer (fallocate, lseek
 * with SEEK_DATA/SEEK_HOLE, pwritev2 with RWF_DSYNC, preadv2 with RWF_NOWAIT, mincore, flock), bound
 * once through the FFM API.
 *
 * <p>Every call captures errno; a failing call throws {@link NativeIoException} naming the call, the
 * errno and its text. EINTR is retried here so callers never see it.
 *
 * <p>Binding native functions is what this class is for, hence the "restricted" suppression: the
 * launcher and the tests run with {@code --enable-native-access=ALL-UNNAMED}.
 */
@SuppressWarnings("restricted")
final class Posix {
    static final int O_RDWR = 02;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_CLOEXEC = 02000000;

    static final int SEEK_END = 2;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;

    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    static final int RWF_DSYNC = 0x02;
    static final int RWF_NOWAIT = 0x08;

    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;

    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EAGAIN = 11;
    static final int EWOULDBLOCK = 11;
    static final int EOPNOTSUPP = 95;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final long IOVEC_OFFSET = 16;

    private static final MethodHandle OPEN = bind(
            "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PREAD =
            bind("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE =
            bind("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITEV2 =
            bind("pwritev2", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PREADV2 =
            bind("preadv2", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FDATASYNC = bind("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FALLOCATE =
            bind("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle LSEEK =
            bind("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FTRUNCATE =
            bind("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MINCORE =
            bind("mincore", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETPAGESIZE =
            LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("getpagesize"), FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle FLOCK = bind("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** Per-thread scratch: the captured call state at 0, one iovec at {@link #IOVEC_OFFSET}. */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(IOVEC_OFFSET + 16, 16));

    private Posix() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, options);
    }

    /** A downcall, given the per-thread scratch (captured state at 0, an iovec after it). */
    private interface Call {
        long run(MemorySegment scratch) throws Throwable;
    }

    /** Runs a downcall, retrying on EINTR; the result when it succeeded, else minus the errno. */
    private static long call(String what, Call call) {
        while (true) {
            MemorySegment scratch = SCRATCH.get();
            long r;
            try {
                r = call.run(scratch);
            } catch (Throwable t) {
                throw new LinkageError(what, t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = errno(scratch);
            if (errno != EINTR) {
                return -errno;
            }
        }
    }

    /** The result of a call, or the failure as an exception naming the call. */
    private static long orThrow(String what, long result) throws NativeIoException {
        if (result < 0) {
            int errno = (int) -result;
            throw new NativeIoException(what, errno, strerror(errno));
        }
        return result;
    }

    /** Fills the scratch iovec with one buffer; returns the iovec. */
    private static MemorySegment iovec(MemorySegment scratch, MemorySegment buf) {
        MemorySegment iov = scratch.asSlice(IOVEC_OFFSET, 16);
        iov.set(ADDRESS, 0, buf);
        iov.set(JAVA_LONG, 8, buf.byteSize());
        return iov;
    }

    static int open(String path, int flags, int mode) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            return (int) orThrow("open " + path, call("open", st -> (int) OPEN.invokeExact(st, cPath, flags, mode)));
        }
    }

    static void close(int fd) throws NativeIoException {
        orThrow("close", call("close", st -> (int) CLOSE.invokeExact(st, fd)));
    }

    /** One pread; returns the byte count (0 at end of file). */
    static long pread(int fd, MemorySegment buf, long offset) throws NativeIoException {
        return orThrow("pread", call("pread", st -> (long) PREAD.invokeExact(st, fd, buf, buf.byteSize(), offset)));
    }

    /** One pwrite; returns the byte count. */
    static long pwrite(int fd, MemorySegment buf, long offset) throws NativeIoException {
        return orThrow("pwrite", call("pwrite", st -> (long) PWRITE.invokeExact(st, fd, buf, buf.byteSize(), offset)));
    }

    /** One pwritev2 of a single buffer with the given RWF_* flags; returns the byte count. */
    static long pwritev2(int fd, MemorySegment buf, long offset, int rwfFlags) throws NativeIoException {
        return orThrow("pwritev2", call("pwritev2", st ->
                (long) PWRITEV2.invokeExact(st, fd, iovec(st, buf), 1, offset, rwfFlags)));
    }

    /**
     * One preadv2 of a single buffer with RWF_NOWAIT: the bytes read, 0 at end of file, or -1 when
     * the data is not in the page cache and reading it would block (EAGAIN, or a kernel without
     * RWF_NOWAIT support).
     */
    static long preadNoWait(int fd, MemorySegment buf, long offset) throws NativeIoException {
        long r = call("preadv2", st -> (long) PREADV2.invokeExact(st, fd, iovec(st, buf), 1, offset, RWF_NOWAIT));
        if (r == -EAGAIN || r == -EOPNOTSUPP) {
            return -1;
        }
        return orThrow("preadv2", r);
    }

    static void fdatasync(int fd) throws NativeIoException {
        orThrow("fdatasync", call("fdatasync", st -> (int) FDATASYNC.invokeExact(st, fd)));
    }

    static void fallocate(int fd, int mode, long offset, long length) throws NativeIoException {
        orThrow("fallocate", call("fallocate", st -> (int) FALLOCATE.invokeExact(st, fd, mode, offset, length)));
    }

    /** lseek; returns the resulting offset, or -ENXIO (no more data/holes) so callers can branch. */
    static long lseek(int fd, long offset, int whence) throws NativeIoException {
        long r = call("lseek", st -> (long) LSEEK.invokeExact(st, fd, offset, whence));
        return r == -ENXIO ? r : orThrow("lseek", r);
    }

    static void ftruncate(int fd, long length) throws NativeIoException {
        orThrow("ftruncate", call("ftruncate", st -> (int) FTRUNCATE.invokeExact(st, fd, length)));
    }

    /**
     * mincore(2) over a page-aligned range of a mapping: fills {@code vector} (one byte per page,
     * bit 0 set when the page is in memory). False if the kernel refused (the caller then assumes
     * nothing is resident).
     */
    static boolean mincore(MemorySegment range, MemorySegment vector) {
        return call("mincore", st -> (int) MINCORE.invokeExact(st, range, range.byteSize(), vector)) == 0;
    }

    static int pageSize() {
        try {
            return (int) GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw new LinkageError("getpagesize", t);
        }
    }

    static void flock(int fd, int operation) throws NativeIoException {
        orThrow("flock", call("flock", st -> (int) FLOCK.invokeExact(st, fd, operation)));
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
