package dev.jvirtiofsd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares our hand-typed constants and struct layouts with the installed {@code linux/fuse.h}
 * (and the errno headers). A value the header does not have yet (it is older than the newest
 * guests we serve) must be listed in {@link #NEWER_THAN_HEADER}, with the value of Linux 6.12's
 * uapi header (FUSE 7.41).
 */
class KernelHeaderTest {
    private static final Map<String, Long> NEWER_THAN_HEADER = Map.of(
        "FUSE_CREATE_SUPP_GROUP", 1L << 34,
        "FUSE_DIRECT_IO_ALLOW_MMAP", 1L << 36,
        "FUSE_PASSTHROUGH", 1L << 37,
        "FUSE_NO_EXPORT_SUPPORT", 1L << 38,
        "FUSE_HAS_RESEND", 1L << 39,
        "FUSE_ALLOW_IDMAP", 1L << 40,
        "FOPEN_PASSTHROUGH", 1L << 7,
        "FUSE_STATX", 52L,
        "FUSE_EXT_GROUPS", 32L);

    private static KernelHeader header;

    @BeforeAll
    static void readHeader() {
        assertTrue(Files.isReadable(KernelHeader.FUSE_H), "linux/fuse.h (linux-libc-dev) must be installed");
        header = KernelHeader.read(KernelHeader.FUSE_H);
    }

    @Test
    void versionsAgreeWithTheHeader() {
        assertEquals(header.define("FUSE_KERNEL_VERSION"), FuseProtocol.KERNEL_VERSION);
        assertTrue(header.define("FUSE_KERNEL_MINOR_VERSION") >= FuseProtocol.KERNEL_MINOR_VERSION,
            "the header must know every struct of the minor version we reply with");
        assertEquals(header.define("FUSE_ROOT_ID"), FuseProtocol.ROOT_ID);
        assertEquals(header.enumValues.get("FUSE_MAX_NR_SECCTX"), (long) FuseProtocol.MAX_NR_SECCTX);
        assertEquals(valueOf("FUSE_EXT_GROUPS", header.enumValues), FuseProtocol.EXT_GROUPS);
    }

    @Test
    void opcodesAgreeWithTheHeader() throws Exception {
        Map<String, Long> ours = constants(Opcode.class, Set.of("MAX_KNOWN"));
        for (Map.Entry<String, Long> e : ours.entrySet()) {
            String kernelName = e.getKey().equals("CUSE_INIT") ? "CUSE_INIT" : "FUSE_" + e.getKey();
            assertEquals(valueOf(kernelName, header.enumValues), (long) e.getValue(), kernelName);
            assertEquals(e.getKey(), Opcode.name(e.getValue().intValue()));
        }
        Map<String, Long> kernelOpcodes = header.enums.get("fuse_opcode");
        assertNotNull(kernelOpcodes, "enum fuse_opcode");
        assertTrue(kernelOpcodes.size() >= 50);
        for (Map.Entry<String, Long> e : kernelOpcodes.entrySet()) {
            String name = e.getKey();
            // Skip the byte-swap markers and opcodes of kernels newer than the ones we serve.
            if (!name.contains("RESERVED") && (e.getValue() <= Opcode.MAX_KNOWN || name.equals("CUSE_INIT"))) {
                String ourName = name.equals("CUSE_INIT") ? name : name.substring(5);
                assertEquals(e.getValue(), ours.get(ourName), "Opcode." + ourName);
            }
        }
        assertEquals(Opcode.MAX_KNOWN, Opcode.STATX);
        assertEquals("OPCODE_7", Opcode.name(7));
        assertEquals("OPCODE_4294967295", Opcode.name(-1));
    }

    @Test
    void initFlagsAgreeWithTheHeader() throws Exception {
        Map<String, Long> ours = constants(InitFlags.class, Set.of());
        checkAgainstHeader(ours, "FUSE_");
        Map<String, Long> block = header.definesBetween("FUSE_ASYNC_READ", "CUSE INIT request/reply flags");
        assertTrue(block.size() >= 32, "the INIT flag block was found: " + block.keySet());
        for (Map.Entry<String, Long> e : block.entrySet()) {
            if (e.getKey().equals("FUSE_DIRECT_IO_RELAX") || Long.compareUnsigned(e.getValue(), 1L << 40) > 0) {
                continue; // an alias, or a flag of a kernel newer than the ones we serve
            }
            assertEquals(e.getValue(), ours.get(e.getKey().substring(5)), "InitFlags." + e.getKey());
        }
        for (Map.Entry<String, Long> e : ours.entrySet()) {
            long bit = e.getValue();
            assertEquals(1, Long.bitCount(bit), e.getKey());
            assertEquals(e.getKey(), InitFlags.describe(bit));
        }
    }

    @Test
    void fopenAndFattrFlagsAgreeWithTheHeader() throws Exception {
        Map<String, Long> fopen = constants(FopenFlags.class, Set.of());
        checkAgainstHeader(fopen, "FOPEN_");
        for (Map.Entry<String, Long> e : header.defines.entrySet()) {
            if (e.getKey().startsWith("FOPEN_")) {
                assertEquals(e.getValue(), fopen.get(e.getKey().substring(6)), e.getKey());
            }
        }
        Map<String, Long> fattr = constants(FattrFlags.class, Set.of());
        checkAgainstHeader(fattr, "FATTR_");
        for (Map.Entry<String, Long> e : header.defines.entrySet()) {
            if (e.getKey().startsWith("FATTR_")) {
                assertEquals(e.getValue(), fattr.get(e.getKey().substring(6)), e.getKey());
            }
        }
    }

    @Test
    void requestFlagsAgreeWithTheHeader() throws Exception {
        checkAgainstHeader(constants(FuseFlags.class, Set.of()), "FUSE_");
    }

    @Test
    void structSizesAndOffsetsAgreeWithTheHeader() throws Exception {
        Set<String> notOffsets = Set.of("BYTES", "COMPAT_BYTES");
        for (Map.Entry<Class<?>, String> e : WireStructs.KERNEL_NAMES.entrySet()) {
            Class<?> ours = e.getKey();
            KernelHeader.Struct kernel = header.struct(e.getValue());
            assertEquals(kernel.size(), ours.getField("BYTES").getInt(null), "sizeof(" + kernel.name() + ")");
            Map<String, Long> offsets = constants(ours, notOffsets);
            for (KernelHeader.Field f : kernel.fields().values()) {
                if (WireStructs.isPadding(f.name())) {
                    continue;
                }
                String constant = f.name().toUpperCase();
                assertNotNull(offsets.get(constant), ours.getSimpleName() + " lacks " + constant);
                assertEquals(f.offset(), offsets.get(constant).intValue(), kernel.name() + "." + f.name());
            }
            for (String constant : offsets.keySet()) {
                if (ours == DirentPlus.class && constant.equals("NAME")) {
                    continue; // checked below
                }
                assertTrue(kernel.fields().containsKey(constant.toLowerCase()),
                    ours.getSimpleName() + "." + constant + " is not a member of " + kernel.name());
            }
        }
        KernelHeader.Struct plus = header.struct("fuse_direntplus");
        assertEquals(plus.fields().get("dirent").offset() + header.struct("fuse_dirent").fields().get("name").offset(),
            DirentPlus.NAME, "FUSE_NAME_OFFSET_DIRENTPLUS");
    }

    @Test
    void compatSizesAgreeWithTheHeader() {
        assertEquals(header.struct("fuse_init_in").fields().get("flags2").offset(), InitIn.COMPAT_BYTES);
        assertEquals(header.define("FUSE_COMPAT_SETXATTR_IN_SIZE"), SetxattrIn.COMPAT_BYTES);
        assertEquals(header.struct("fuse_statfs_out").size(), Kstatfs.BYTES);
        assertEquals(header.define("FUSE_COMPAT_ENTRY_OUT_SIZE"), EntryOut.ATTR + FuseAttr.BLKSIZE);
        assertEquals(header.define("FUSE_COMPAT_ATTR_OUT_SIZE"), AttrOut.ATTR + FuseAttr.BLKSIZE);
    }

    @Test
    void errnoValuesAgreeWithTheHeaders() throws Exception {
        Map<String, Long> kernel = new LinkedHashMap<>();
        for (String file : List.of("/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h")) {
            kernel.putAll(KernelHeader.read(Path.of(file)).defines);
        }
        Map<String, Long> ours = constants(Errno.class, Set.of("MAX_ERRNO"));
        assertTrue(ours.size() > 40);
        for (Map.Entry<String, Long> e : ours.entrySet()) {
            assertEquals(kernel.get(e.getKey()), e.getValue(), e.getKey());
            assertEquals(e.getKey(), Errno.name(e.getValue().intValue()));
            assertEquals(e.getKey(), Errno.name(-e.getValue().intValue()));
        }
        assertEquals("errno 2147483648", Errno.name(Integer.MIN_VALUE));
        assertEquals("errno 4000", Errno.name(4000));
    }

    /** Every constant must have the header's value, or be a known newer one. */
    private static void checkAgainstHeader(Map<String, Long> ours, String prefix) {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Long> e : ours.entrySet()) {
            String kernelName = prefix + e.getKey();
            Long expected = header.defines.containsKey(kernelName)
                ? header.defines.get(kernelName) : NEWER_THAN_HEADER.get(kernelName);
            if (expected == null) {
                missing.add(kernelName);
            } else {
                assertEquals(expected, e.getValue(), kernelName);
            }
        }
        if (!missing.isEmpty()) {
            fail("neither in the header nor known as newer: " + missing);
        }
    }

    private static long valueOf(String name, Map<String, Long> fromHeader) {
        Long v = fromHeader.containsKey(name) ? fromHeader.get(name) : NEWER_THAN_HEADER.get(name);
        assertNotNull(v, name + " is neither in the header nor known as newer");
        return v;
    }

    /** The public static final int/long constants of a class, by name. */
    private static Map<String, Long> constants(Class<?> c, Set<String> except) throws IllegalAccessException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Field f : c.getFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || except.contains(f.getName())) {
                continue;
            }
            if (f.getType() == int.class) {
                out.put(f.getName(), (long) f.getInt(null));
            } else if (f.getType() == long.class) {
                out.put(f.getName(), f.getLong(null));
            }
        }
        return out;
    }
}
