package dev.cairn.nbd.client;

/** What the server told about an export in NBD_OPT_INFO / NBD_OPT_GO. */
public record ExportInfo(
        long sizeBytes, int transmissionFlags, int minimumBlockBytes, int preferredBlockBytes, int maximumBlockBytes) {

    public boolean has(int flag) {
        return (transmissionFlags & flag) != 0;
    }
}
