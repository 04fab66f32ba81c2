@testable import World

/// The rendered diagnostics of parsing `bytes` as `file`, or `nil` if it parses.
func parseFailure(_ bytes: [UInt8], file: String = "w.json", limits: JSONParser.Limits = .default) -> WorldError? {
    do {
        _ = try JSONParser.parse(bytes, file: file, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// The diagnostics of reading `text` with `reader`, or `nil` if it reads.
func readFailure<T>(_ text: String, _ reader: ValueReader<T>, file: String = "w.json", overrides: [String] = [])
    -> WorldError?
{
    do {
        _ = try WorldJSON.read(Array(text.utf8), file: file, overrides: overrides, with: reader, maxDiagnostics: 100)
        return nil
    } catch {
        return error
    }
}

/// Reads `text` with `reader`, failing with the diagnostics if it does not read.
func read<T>(_ text: String, _ reader: ValueReader<T>) throws -> T {
    try WorldJSON.read(Array(text.utf8), file: "w.json", with: reader)
}

/// Line and column of `offset`, computed naively (the reference for location tests).
func naiveLineColumn(_ bytes: [UInt8], _ offset: Int) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while index < offset {
        if bytes[index] == 0x0A {
            line += 1
            column = 1
        } else if bytes[index] & 0xC0 != 0x80 {
            column += 1
        }
        index += 1
    }
    return (line, column)
}
