/**
 * The backend side of vhost-user for a {@link dev.jvirtiofsd.vhostuser.VirtioDevice}.
 *
 * <p>{@link dev.jvirtiofsd.vhostuser.VhostUserListener} accepts a frontend;
 * {@link dev.jvirtiofsd.vhostuser.VhostUserBackend#serve} runs the connection: {@code
 * BackendConnection} validates and applies each message, {@code Vring} holds one queue's state,
 * {@code QueueWorker} is the epoll thread of a started queue, and {@code SplitQueue} walks the
 * guest's rings, handing {@link dev.jvirtiofsd.vhostuser.DescriptorChain}s (reused from a
 * {@code ChainPool}) to the device.
 *
 * <p>Threads: one control thread per connection (the caller of {@code serve}); one worker thread
 * per started queue; optionally a fixed pool that processes chains. All come from the caller's
 * thread factory and must be platform threads.
 */
package dev.jvirtiofsd.vhostuser;
