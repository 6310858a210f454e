package dev.jvirtiofsd.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a growing console log line by line, as QEMU appends to it. */
final class ConsoleLog {
    private final Path file;
    private final StringBuilder partial = new StringBuilder();
    private final List<String> lines = new ArrayList<>();
    private long offset;

    ConsoleLog(Path file) {
        this.file = file;
    }

    /** The complete lines appended since the last call (without CR/LF). */
    List<String> readNewLines() throws IOException {
        List<String> fresh = new ArrayList<>();
        if (!Files.exists(file)) {
            return fresh;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length <= offset) {
                return fresh;
            }
            byte[] bytes = new byte[(int) Math.min(length - offset, 1 << 20)];
            in.seek(offset);
            in.readFully(bytes);
            offset += bytes.length;
            // Console output is ASCII; Latin-1 maps every byte, so no character is split.
            partial.append(new String(bytes, StandardCharsets.ISO_8859_1));
        }
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, newline).replace("\r", "");
            partial.delete(0, newline + 1);
            fresh.add(line);
        }
        lines.addAll(fresh);
        return fresh;
    }

    /** Also the last, unterminated line: for after the writer has exited. */
    List<String> finish() throws IOException {
        List<String> fresh = new ArrayList<>(readNewLines());
        while (Files.exists(file) && offset < Files.size(file)) {
            fresh.addAll(readNewLines());
        }
        if (partial.length() > 0) {
            String last = partial.toString().replace("\r", "");
            partial.setLength(0);
            lines.add(last);
            fresh.add(last);
        }
        return fresh;
    }

    /** Every line read so far. */
    List<String> lines() {
        return List.copyOf(lines);
    }
}
