package dev.jvirtiofsd.vhostuser.frontend;

/** One entry of the used ring: the head of the completed chain and the bytes the device wrote. */
public record UsedElement(int head, int length) {
}
