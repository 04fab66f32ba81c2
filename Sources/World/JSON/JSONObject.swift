/// A JSON object: members in source order, keys unique.
///
/// Order is kept so that diagnostics and round trips follow the file; lookups by key are
/// linear for small objects and use an index for large ones. Keys compare as Swift
/// strings (canonically equivalent spellings of a key are the same key).
public struct JSONObject: Sendable, Equatable {
    /// One `"key": value` pair.
    public struct Member: Sendable {
        /// The key.
        public var key: String
        /// Where the key's opening quote is.
        public var keyLocation: SourceLocation
        /// The value.
        public var value: JSONValue

        /// A member.
        public init(key: String, keyLocation: SourceLocation = .synthesized, value: JSONValue) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    /// The members in source (or insertion) order.
    public private(set) var members: [Member]
    /// Key → position, built only for objects large enough for it to pay.
    private var index: [String: Int]

    private static let indexThreshold = 12

    /// An empty object.
    public init() {
        members = []
        index = [:]
    }

    /// An object with the given pairs in order; a repeated key replaces the earlier
    /// value in place.
    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    /// The number of members.
    public var count: Int { members.count }
    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }
    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The position of `key` among ``members``, if present.
    public func position(of key: String) -> Int? {
        if members.count > Self.indexThreshold { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    /// The member named `key`, if present.
    public func member(_ key: String) -> Member? {
        position(of: key).map { members[$0] }
    }

    /// The value for `key`; setting replaces the value in place (keeping the key's
    /// position and location) or appends a new member; setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let newValue {
                set(key, to: newValue, keyLocation: newValue.location)
            } else if let position = position(of: key) {
                members.remove(at: position)
                rebuildIndex()
            }
        }
    }

    /// Replaces the value of `key` (keeping its position and key location) or appends a
    /// member with the key at `keyLocation`.
    public mutating func set(_ key: String, to value: JSONValue, keyLocation: SourceLocation) {
        if let position = position(of: key) {
            members[position].value = value
        } else {
            appendUnchecked(Member(key: key, keyLocation: keyLocation, value: value))
        }
    }

    /// Appends a member whose key the caller knows is new (the parser checks).
    mutating func appendUnchecked(_ member: Member) {
        members.append(member)
        if members.count > Self.indexThreshold {
            if members.count == Self.indexThreshold + 1 { rebuildIndex() } else { index[member.key] = members.count - 1 }
        }
    }

    private mutating func rebuildIndex() {
        index = [:]
        guard members.count > Self.indexThreshold else { return }
        index.reserveCapacity(members.count)
        for (position, member) in members.enumerated() { index[member.key] = position }
    }

    /// Objects are equal when they have the same keys with equal values, in any order
    /// (JSON objects are unordered; locations are ignored).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }
}
