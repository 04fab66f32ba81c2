import Foundation
import World

/// A file written as a stream of bytes through a buffer: a trace export never holds
/// the run's events in memory, only the last 256 KB of text.
final class TraceFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 18
    /// Bytes written so far.
    private(set) var size = 0

    /// A new, empty file at `path` (replacing one there).
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.reserveCapacity(Self.flushAt + 4096)
    }

    /// Appends `text`.
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        size += text.utf8.count
        if buffer.count >= Self.flushAt { flush() }
    }

    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        size += bytes.count
        if buffer.count >= Self.flushAt { flush() }
    }

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file.
    func close() throws {
        flush()
        try handle.close()
    }
}

/// JSON text for the few kinds of value a trace export writes.
enum TraceJSON {
    /// `text` as a JSON string literal, quotes included (the world files' canonical
    /// escapes, so every JSON the tool writes quotes strings one way).
    static func string(_ text: String) -> String { CanonicalJSON.quote(text) }

    /// Nanoseconds as microseconds with three decimals ("1234.567"), exactly.
    static func microseconds(_ nanoseconds: Int64) -> String {
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        let fraction = String(magnitude % 1000)
        return (negative ? "-" : "") + "\(magnitude / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
