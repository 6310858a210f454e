package dev.jvirtiofsd.vhostuser;

/**
 * The fix for the setting users miss most often: a vhost-user backend can only see guest memory
 * the VMM allocated as a shared mapping of an fd. Without it QEMU either sends no region for the
 * RAM (the rings lie outside every region) or maps its memfd privately (the guest's writes never
 * reach the backend, and the guest waits forever for its first reply).
 */
public final class SharedMemory {
    public static final String HINT = "is the guest's RAM shared? QEMU needs "
            + "-object memory-backend-memfd,id=mem,size=<RAM size>,share=on -numa node,memdev=mem "
            + "(or -machine memory-backend=mem), libvirt <memoryBacking><source type='memfd'/>"
            + "<access mode='shared'/></memoryBacking>";

    private SharedMemory() {
    }
}
