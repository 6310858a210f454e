package dev.jvirtiofsd.vhostuser.sys;

/** Loads this module's native code (jffi unpacks its library into a temporary directory). */
public final class Natives {
    private Natives() {
    }

    /**
     * Loads and links every native library this module uses. Call it before a sandbox takes
     * away the temporary directory or the library paths.
     */
    public static void load() {
        LibC.errno();
        NativeMemory.free(NativeMemory.allocate(8));
    }
}
