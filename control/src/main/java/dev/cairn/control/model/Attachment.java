package dev.cairn.control.model;

/**
 * A volume attached to the client agent on {@code host}, which serves it as an NBD export named by
 * the volume id. The agent opens the legs with {@code generation}; every leg has it, and nodes
 * refuse connections that hold an older one, so an agent the volume was moved away from is fenced.
 */
public record Attachment(String host, long generation, long atMillis) {}
