/**
 * The frontend (QEMU) side of vhost-user, driving a backend over a real socket and real shared
 * memory, for tests and load generation. Start with
 * {@link dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend#connect}.
 */
package dev.jvirtiofsd.vhostuser.frontend;
