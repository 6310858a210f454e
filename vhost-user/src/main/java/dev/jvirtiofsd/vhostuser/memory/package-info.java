/** Guest memory: regions mapped from the frontend's fds and address translation over them. */
package dev.jvirtiofsd.vhostuser.memory;
