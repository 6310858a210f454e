package dev.jvirtiofsd.vhostuser.memory;

/** A memory region the frontend described cannot be added, removed or mapped. */
public final class InvalidRegionException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidRegionException(String message) {
        super(message);
    }

    public InvalidRegionException(String message, Throwable cause) {
        super(message, cause);
    }
}
