package dev.jvirtiofsd.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a test needs from a kernel UAPI header, read from the installed file: the values of
 * its simple #defines and enum constants, and the layout of its structs (natural alignment,
 * as on x86_64), so that our hand-typed constants and offsets can be compared with it.
 */
final class KernelHeader {
    static final Path FUSE_H = Path.of("/usr/include/linux/fuse.h");

    /** One member of a struct: its offset and size; {@code nested} names a struct member's type. */
    record Field(String name, int offset, int size, String nested) {
    }

    /** A struct's size and members in declaration order. */
    record Struct(String name, int size, int align, Map<String, Field> fields) {
    }

    private static final Pattern DEFINE = Pattern.compile("^#define\\s+(\\w+)\\s+(.+?)\\s*(/\\*.*)?$");
    private static final Pattern SHIFT = Pattern.compile("\\(\\s*1(?:ULL|UL|U)?\\s*<<\\s*(\\d+)\\s*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBER = Pattern.compile("-?(0x[0-9a-fA-F]+|\\d+)");
    private static final Pattern ENUM_ENTRY = Pattern.compile("^\\s*(\\w+)\\s*=\\s*(\\d+)\\s*,?");
    private static final Pattern MEMBER = Pattern.compile("^\\s*(struct\\s+\\w+|\\w+)\\s+(\\w+)(?:\\[(\\w*)\\])?\\s*;");

    final String text;
    final Map<String, Long> defines = new LinkedHashMap<>();
    final Map<String, Long> enumValues = new LinkedHashMap<>();
    final Map<String, Map<String, Long>> enums = new LinkedHashMap<>();
    final Map<String, Struct> structs = new LinkedHashMap<>();

    static KernelHeader read(Path path) {
        try {
            return new KernelHeader(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    KernelHeader(String text) {
        this.text = text;
        List<String> lines = text.lines().toList();
        parseDefines(lines);
        parseEnums(lines);
        parseStructs(lines);
    }

    long define(String name) {
        Long v = defines.get(name);
        if (v == null) {
            throw new AssertionError("no #define " + name + " in the header");
        }
        return v;
    }

    Struct struct(String name) {
        Struct s = structs.get(name);
        if (s == null) {
            throw new AssertionError("no struct " + name + " in the header");
        }
        return s;
    }

    /** The #defines between two marker lines of the text, in order (e.g. one flag block). */
    Map<String, Long> definesBetween(String firstDefine, String endMarker) {
        int from = text.indexOf("#define " + firstDefine);
        int to = text.indexOf(endMarker, from);
        if (from < 0 || to < 0) {
            throw new AssertionError("block " + firstDefine + " .. " + endMarker + " not found");
        }
        Map<String, Long> block = new LinkedHashMap<>();
        for (String line : text.substring(from, to).lines().toList()) {
            Matcher m = DEFINE.matcher(line.trim());
            if (m.matches() && defines.containsKey(m.group(1))) {
                block.put(m.group(1), defines.get(m.group(1)));
            }
        }
        return block;
    }

    private void parseDefines(List<String> lines) {
        for (String line : lines) {
            Matcher m = DEFINE.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            Long value = evaluate(m.group(2).trim());
            if (value != null) {
                defines.put(m.group(1), value);
            }
        }
    }

    private Long evaluate(String expr) {
        Matcher shift = SHIFT.matcher(expr);
        if (shift.matches()) {
            return 1L << Integer.parseInt(shift.group(1));
        }
        String bare = expr.replaceAll("^\\((.*)\\)$", "$1").replaceAll("(?i)(ULL|UL|U|LL|L)$", "");
        if (NUMBER.matcher(bare).matches()) {
            return bare.startsWith("0x") ? Long.parseLong(bare.substring(2), 16) : Long.parseLong(bare);
        }
        return defines.get(expr); // an alias of an earlier define, or null
    }

    private void parseEnums(List<String> lines) {
        Map<String, Long> current = null;
        for (String line : lines) {
            Matcher start = Pattern.compile("^enum\\s+(\\w+)").matcher(line);
            if (start.find()) {
                current = new LinkedHashMap<>();
                enums.put(start.group(1), current);
                continue;
            }
            if (current != null && line.startsWith("}")) {
                current = null;
                continue;
            }
            if (current != null) {
                Matcher m = ENUM_ENTRY.matcher(line);
                if (m.find()) {
                    current.put(m.group(1), Long.parseLong(m.group(2)));
                    enumValues.put(m.group(1), Long.parseLong(m.group(2)));
                }
            }
        }
    }

    private void parseStructs(List<String> lines) {
        String current = null;
        Map<String, Field> fields = null;
        int offset = 0;
        int align = 1;
        for (String raw : lines) {
            String line = raw.replaceAll("/\\*.*?\\*/", "");
            if (current == null) {
                Matcher start = Pattern.compile("^struct\\s+(\\w+)\\s*\\{").matcher(line);
                if (start.find()) {
                    current = start.group(1);
                    fields = new LinkedHashMap<>();
                    offset = 0;
                    align = 1;
                }
                continue;
            }
            if (line.startsWith("}")) {
                int size = (offset + align - 1) / align * align;
                structs.put(current, new Struct(current, size, align, fields));
                current = null;
                continue;
            }
            Matcher m = MEMBER.matcher(line);
            if (!m.find()) {
                continue;
            }
            String type = m.group(1);
            String nested = null;
            int elementSize;
            int elementAlign;
            if (type.startsWith("struct")) {
                nested = type.substring(6).trim();
                Struct s = struct(nested);
                elementSize = s.size();
                elementAlign = s.align();
            } else {
                elementSize = scalarSize(type);
                elementAlign = elementSize;
            }
            int count = 1;
            if (m.group(3) != null) {
                String n = m.group(3);
                count = n.isEmpty() ? 0 : n.matches("\\d+") ? Integer.parseInt(n) : (int) define(n);
            }
            offset = (offset + elementAlign - 1) / elementAlign * elementAlign;
            fields.put(m.group(2), new Field(m.group(2), offset, elementSize * count, nested));
            offset += elementSize * count;
            align = Math.max(align, elementAlign);
        }
    }

    private static int scalarSize(String type) {
        switch (type) {
            case "uint64_t":
            case "int64_t":
                return 8;
            case "uint32_t":
            case "int32_t":
                return 4;
            case "uint16_t":
            case "int16_t":
                return 2;
            case "uint8_t":
            case "char":
                return 1;
            default:
                throw new AssertionError("unknown member type " + type);
        }
    }
}
