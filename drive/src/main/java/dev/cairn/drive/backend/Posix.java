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

    static int open(String path, int flags, int mode) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            while (true) {
                MemorySegment state = SCRATCH.get();
                int fd = (int) OPEN.invokeExact(state, cPath, flags, mode);
                if (fd >= 0) {
                    return fd;
                }
                int errno = errno(state);
                if (errno != EINTR) {
                    throw new NativeIoException("open " + path, errno, strerror(errno));
                }
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("open", t);
        }
    }

    static void close(int fd) throws NativeIoException {
        check("close", (int) call(() -> (int) CLOSE.invokeExact(SCRATCH.get(), fd)));
    }

    /** One pread; returns the byte count (0 at end of file). */
    static long pread(int fd, MemorySegment buf, long offset) throws NativeIoException {
        while (true) {
            MemorySegment state = SCRATCH.get();
            long n;
            try {
                n = (long) PREAD.invokeExact(state, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) {
                throw new LinkageError("pread", t);
            }
            if (n >= 0) {
                return n;
            }
            retryOrThrow("pread", state);
        }
    }

    /** One pwrite; returns the byte count. */
    static long pwrite(int fd, MemorySegment buf, long offset) throws NativeIoException {
        while (true) {
            MemorySegment state = SCRATCH.get();
            long n;
            try {
                n = (long) PWRITE.invokeExact(state, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) {
                throw new LinkageError("pwrite", t);
            }
            if (n >= 0) {
                return n;
            }
            retryOrThrow("pwrite", state);
        }
    }

    /** One pwritev2 of a single buffer with the given RWF_* flags; returns the byte count. */
    static long pwritev2(int fd, MemorySegment buf, long offset, int rwfFlags) throws NativeIoException {
        while (true) {
            MemorySegment scratch = SCRATCH.get();
            MemorySegment iov = scratch.asSlice(IOVEC_OFFSET, 16);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, buf.byteSize());
            long n;
            try {
                n = (long) PWRITEV2.invokeExact(scratch, fd, iov, 1, offset, rwfFlags);
            } catch (Throwable t) {
                throw new LinkageError("pwritev2", t);
            }
            if (n >= 0) {
                return n;
            }
            retryOrThrow("pwritev2", scratch);
        }
    }

    /**
     * One preadv2 of a single buffer with RWF_NOWAIT: the bytes read, 0 at end of file, or -1 when
     * the data is not in the page cache and reading it would block (EAGAIN, or a kernel without
     * RWF_NOWAIT support).
     */
    static long preadNoWait(int fd, MemorySegment buf, long offset) throws NativeIoException {
        while (true) {
            MemorySegment scratch = SCRATCH.get();
            MemorySegment iov = scratch.asSlice(IOVEC_OFFSET, 16);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, buf.byteSize());
            long n;
            try {
                n = (long) PREADV2.invokeExact(scratch, fd, iov, 1, offset, RWF_NOWAIT);
            } catch (Throwable t) {
                throw new LinkageError("preadv2", t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = errno(scratch);
            if (errno == EAGAIN || errno == EOPNOTSUPP) {
                return -1;
            }
            if (errno != EINTR) {
                throw new NativeIoException("preadv2", errno, strerror(errno));
            }
        }
    }

    static void fdatasync(int fd) throws NativeIoException {
        check("fdatasync", (int) call(() -> (int) FDATASYNC.invokeExact(SCRATCH.get(), fd)));
    }

    static void fallocate(int fd, int mode, long offset, long length) throws NativeIoException {
        check("fallocate", (int) call(() -> (int) FALLOCATE.invokeExact(SCRATCH.get(), fd, mode, offset, length)));
    }

    /** lseek; returns the resulting offset, or -errno for ENXIO (no more data/holes) so callers can branch. */
    static long lseek(int fd, long offset, int whence) throws NativeIoException {
        while (true) {
            MemorySegment state = SCRATCH.get();
            long r;
            try {
                r = (long) LSEEK.invokeExact(state, fd, offset, whence);
            } catch (Throwable t) {
                throw new LinkageError("lseek", t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = errno(state);
            if (errno == ENXIO) {
                return -ENXIO;
            }
            if (errno != EINTR) {
                throw new NativeIoException("lseek", errno, strerror(errno));
            }
        }
    }

    static void ftruncate(int fd, long length) throws NativeIoException {
        check("ftruncate", (int) call(() -> (int) FTRUNCATE.invokeExact(SCRATCH.get(), fd, length)));
    }

    /**
     * mincore(2) over a page-aligned range of a mapping: fills {@code vector} (one byte per page,
     * bit 0 set when the page is in memory). False if the kernel refused (the caller then assumes
     * nothing is resident).
     */
    static boolean mincore(MemorySegment range, MemorySegment vector) {
        return call(() -> (int) MINCORE.invokeExact(SCRATCH.get(), range, range.byteSize(), vector)) == 0;
    }

    static int pageSize() {
        try {
            return (int) GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw new LinkageError("getpagesize", t);
        }
    }

    static void flock(int fd, int operation) throws NativeIoException {
        check("flock", (int) call(() -> (int) FLOCK.invokeExact(SCRATCH.get(), fd, operation)));
    }

    private interface IntCall {
        int run() throws Throwable;
    }

    /** Runs an int-returning call, retrying on EINTR; returns the result or -errno. */
    private static long call(IntCall c) {
        while (true) {
            int r;
            try {
                r = c.run();
            } catch (Throwable t) {
                throw new LinkageError("native call", t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = errno(SCRATCH.get());
            if (errno != EINTR) {
                return -errno;
            }
        }
    }

    private static void check(String what, int result) throws NativeIoException {
        if (result < 0) {
            int errno = -result;
            throw new NativeIoException(what, errno, strerror(errno));
        }
    }

    private static void retryOrThrow(String what, MemorySegment state) throws NativeIoException {
        int errno = errno(state);
        if (errno != EINTR) {
            throw new NativeIoException(what, errno, strerror(errno));
        }
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
