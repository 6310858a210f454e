/** The vhost-user wire format: request codes, header, feature bits and payload layouts. */
package dev.jvirtiofsd.vhostuser.message;
