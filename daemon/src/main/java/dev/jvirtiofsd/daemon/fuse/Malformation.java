package dev.jvirtiofsd.daemon.fuse;

/** The kinds of bad requests the server answers without the file system, each logged once per queue. */
enum Malformation {
    SHORT_HEADER("request shorter than the FUSE in-header"),
    TOO_LARGE("request longer than 1 MiB + 4 KiB"),
    LENGTH_MISMATCH("in-header length differs from the request's bytes"),
    BAD_EXTENSIONS("extension length larger than the request"),
    BAD_EXTENSION_RECORD("malformed security context or supplementary groups extension"),
    SHORT_ARGUMENTS("arguments shorter than the opcode's struct"),
    BAD_NAME("name not NUL-terminated, or NUL inside"),
    BAD_SIZE("size field does not match the data"),
    NO_ROOM("no room for the reply"),
    BAD_FS_RESULT("file system returned an impossible result"),
    INTERNAL_ERROR("unexpected exception while serving a request");

    final String description;

    Malformation(String description) {
        this.description = description;
    }
}
