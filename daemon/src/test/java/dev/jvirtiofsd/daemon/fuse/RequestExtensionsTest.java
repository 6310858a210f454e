package dev.jvirtiofsd.daemon.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.protocol.InitFlags;
import dev.jvirtiofsd.protocol.Opcode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Decoding of the create-request extensions, well-formed and hostile. */
class RequestExtensionsTest {
    static final long BOTH = InitFlags.SECURITY_CTX | InitFlags.CREATE_SUPP_GROUP;
    final RequestContext ctx = new RequestContext().set(1000, 1000, 1);

    static ByteBuffer records(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(16 + n).order(ByteOrder.LITTLE_ENDIAN);
        b.position(16); // something before the extensions
        for (byte[] p : parts) {
            b.put(p);
        }
        return b;
    }

    static byte[] groups(int declared, int... gids) {
        int size = (12 + 4 * gids.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(size).putInt(32).putInt(declared);
        for (int g : gids) {
            b.putInt(g);
        }
        return b.array();
    }

    static byte[] secctx(int nr, String name, int declaredValue, byte[] value) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        int size = 8 + ((8 + n.length + 1 + value.length + 7) & ~7);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(size).putInt(nr).putInt(declaredValue).putInt(0).put(n).put((byte) 0).put(value);
        return b.array();
    }

    boolean decode(ByteBuffer b, long negotiated) {
        return RequestExtensions.decode(b, 16, b.capacity(), negotiated, ctx);
    }

    @Test
    void onlyCreateTypeRequestsCarryThem() {
        assertTrue(RequestExtensions.appliesTo(Opcode.CREATE));
        assertTrue(RequestExtensions.appliesTo(Opcode.TMPFILE));
        assertFalse(RequestExtensions.appliesTo(Opcode.WRITE));
    }

    @Test
    void readsGroupsAndASecurityContext() {
        byte[] value = {'s', '0', 0};
        assertTrue(decode(records(secctx(1, "security.selinux", 3, value), groups(3, 10, 20, 30)), BOTH));
        assertEquals(3, ctx.supplementaryGroupCount());
        assertArrayEquals(new int[] {10, 20, 30}, Arrays.copyOf(ctx.supplementaryGroups(), 3));
        assertArrayEquals("security.selinux".getBytes(StandardCharsets.US_ASCII), ctx.securityContextName());
        assertArrayEquals(value, ctx.securityContextValue());
    }

    @Test
    void extensionsNotNegotiatedAndUnknownTypesAreSkipped() {
        byte[] unknown = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(16).putInt(99).array();
        assertTrue(decode(records(groups(1, 10), secctx(1, "security.x", 1, new byte[] {1}), unknown), 0));
        assertEquals(0, ctx.supplementaryGroupCount());
        assertFalse(ctx.hasSecurityContext());
        assertTrue(decode(records(secctx(0, "", 0, new byte[0])), BOTH), "nr_secctx 0: no context");
    }

    @Test
    void malformedRecordsAreRefused() {
        assertFalse(decode(records(groups(2, 10)), BOTH), "count larger than the record");
        assertFalse(decode(records(groups(0, 10, 20)), BOTH), "count smaller than the record");
        assertFalse(decode(records(groups(1, 10), groups(1, 11)), BOTH), "twice");
        assertFalse(decode(records(groups(70000)), BOTH), "more than NGROUPS_MAX");
        assertFalse(decode(records(secctx(2, "security.a", 1, new byte[] {1})), BOTH), "two contexts");
        assertFalse(decode(records(secctx(1, "security.a", 64, new byte[] {1})), BOTH), "value past the record");
        assertFalse(decode(records(secctx(1, "user.a", 1, new byte[] {1})), BOTH), "not a security.* name");
        assertFalse(decode(records(secctx(1, "security." + "x".repeat(300), 1, new byte[] {1})), BOTH), "long name");
        byte[] shortRecord = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(4).putInt(32).array();
        assertFalse(decode(records(shortRecord), BOTH), "size below the header");
        byte[] unaligned = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(12).putInt(99).array();
        assertFalse(decode(records(unaligned), BOTH), "size not a multiple of 8");
        byte[] tooLong = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-8).putInt(99).array();
        assertFalse(decode(records(tooLong), BOTH), "size past the request");
        assertFalse(decode(records(new byte[4]), BOTH), "a partial header");
    }

    @Test
    void aNewRequestStartsWithoutExtensions() {
        assertTrue(decode(records(secctx(1, "security.x", 1, new byte[] {1}), groups(1, 10)), BOTH));
        ctx.set(0, 0, 2);
        assertEquals(0, ctx.supplementaryGroupCount());
        assertFalse(ctx.hasSecurityContext());
        assertFalse(ctx.killSuidgid);
    }
}
