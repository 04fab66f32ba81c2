/// A syntax error found by ``JSONScanner``: where, what, and possibly a fix.
struct SyntaxError: Error {
    var offset: Int
    var message: String
    var expected: String?
    var found: String?
    var suggestion: String?

    init(offset: Int, _ message: String, expected: String? = nil, found: String? = nil, suggestion: String? = nil) {
        self.offset = offset
        self.message = message
        self.expected = expected
        self.found = found
        self.suggestion = suggestion
    }

    /// "expected X, found Y" with an optional note after it.
    static func expected(_ expected: String, found: String, at offset: Int, note: String? = nil, suggestion: String? = nil)
        -> SyntaxError
    {
        var message = "expected \(expected), found \(found)"
        if let note { message += " (\(note))" }
        return SyntaxError(offset: offset, message, expected: expected, found: found, suggestion: suggestion)
    }
}
