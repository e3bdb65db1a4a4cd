package dev.cairn.control.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named steps of multi-step operations (a repair, a drain, a resync, an orphan's erasure) where a
 * crash test can stop a daemon dead: with {@code CAIRN_CRASH_AT=NAME} in its environment, a
 * daemon that reaches step NAME halts at once (exit status {@value #EXIT}, no shutdown hooks, as
 * after SIGKILL). Unset, a step costs one comparison. Shared by every daemon; only tests set it.
 */
public final class CrashPoints {
    /** The exit status of a daemon halted at a crash point. */
    public static final int EXIT = 86;

    private static final Logger log = LoggerFactory.getLogger(CrashPoints.class);
    private static final String AT = System.getenv("CAIRN_CRASH_AT");

    private CrashPoints() {}

    /** The daemon reached step {@code name}: halts here if that is the step it was told to stop at. */
    public static void reach(String name) {
        if (AT != null && AT.equals(name)) {
            log.error("crash point '{}' reached: halting (CAIRN_CRASH_AT)", name);
            Runtime.getRuntime().halt(EXIT);
        }
    }
}
