/**
 * Cairn's daemons as real processes on one machine: how to find {@code bin/cairn}, start a daemon
 * and wait until it serves ({@link dev.cairn.local.Launcher}), the command lines of the controller,
 * nodes and agent ({@link dev.cairn.local.DaemonArgs}), and a whole local cluster kept in one
 * directory ({@link dev.cairn.local.LocalCluster}). {@code cairn cluster up|down}, the demo and the
 * system tests all start their processes here, so what users run is what the tests run.
 */
package dev.cairn.local;
