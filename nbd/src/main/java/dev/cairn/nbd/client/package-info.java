/**
 * An NBD client with concurrent, out-of-order requests: one sender lock, one reader thread that
 * matches replies (simple or structured) to requests by handle.
 */
package dev.cairn.nbd.client;
