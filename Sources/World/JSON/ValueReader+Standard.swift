// The basic readers: numbers, booleans, strings, enumerations, arrays and objects.

extension ValueReader where Value == Int {
    /// Any integer (a number with an integral value within 64 bits: `8`, `8.0`, `8e0`).
    public static var integer: ValueReader<Int> { integer(expected: "an integer") { _ in true } }

    /// An integer in `range`: "an integer between 1 and 64".
    public static func integer(in range: ClosedRange<Int>) -> ValueReader<Int> {
        integer(expected: "an integer between \(range.lowerBound) and \(range.upperBound)", placeholder: range.lowerBound) {
            range.contains($0)
        }
    }

    /// An integer `>= range.lowerBound`: "an integer >= 0".
    public static func integer(in range: PartialRangeFrom<Int>) -> ValueReader<Int> {
        integer(expected: "an integer >= \(range.lowerBound)", placeholder: range.lowerBound) { range.contains($0) }
    }

    /// An integer `<= range.upperBound`: "an integer <= 10".
    public static func integer(in range: PartialRangeThrough<Int>) -> ValueReader<Int> {
        integer(expected: "an integer <= \(range.upperBound)", placeholder: range.upperBound) { range.contains($0) }
    }

    private static func integer(
        expected: String, placeholder: Int = 0, _ accept: @escaping @Sendable (Int) -> Bool
    ) -> ValueReader<Int> {
        ValueReader(expected: expected, placeholder: { placeholder }) { value, context in
            switch value.kind {
            case .number(let number):
                guard let integer = number.int else {
                    let detail = number.double.rounded() == number.double ? "out of the 64-bit integer range" : nil
                    context.mismatch(value, expected: expected, detail: detail)
                    return nil
                }
                guard accept(integer) else {
                    context.mismatch(value, expected: expected)
                    return nil
                }
                return integer
            case .string(let text):
                let suggestion = Int(text).flatMap { accept($0) ? text : nil }
                context.mismatch(value, expected: expected, suggestion: suggestion)
                return nil
            default:
                context.mismatch(value, expected: expected)
                return nil
            }
        }
    }
}

extension ValueReader where Value == Double {
    /// Any number.
    public static var double: ValueReader<Double> { double(expected: "a number") { _ in true } }

    /// A number in `range`: "a number between 0 and 1".
    public static func double(in range: ClosedRange<Double>) -> ValueReader<Double> {
        double(expected: "a number between \(show(range.lowerBound)) and \(show(range.upperBound))", placeholder: range.lowerBound) {
            range.contains($0)
        }
    }

    /// A number `>= range.lowerBound`: "a number >= 0".
    public static func double(in range: PartialRangeFrom<Double>) -> ValueReader<Double> {
        double(expected: "a number >= \(show(range.lowerBound))", placeholder: range.lowerBound) { range.contains($0) }
    }

    /// A number `<= range.upperBound`: "a number <= 1".
    public static func double(in range: PartialRangeThrough<Double>) -> ValueReader<Double> {
        double(expected: "a number <= \(show(range.upperBound))", placeholder: range.upperBound) { range.contains($0) }
    }

    /// A number strictly greater than `bound`: "a number > 0".
    public static func double(above bound: Double) -> ValueReader<Double> {
        double(expected: "a number > \(show(bound))", placeholder: bound) { $0 > bound }
    }

    static func show(_ number: Double) -> String {
        JSONNumber(number).map(CanonicalJSON.format) ?? number.description
    }

    private static func double(
        expected: String, placeholder: Double = 0, _ accept: @escaping @Sendable (Double) -> Bool
    ) -> ValueReader<Double> {
        ValueReader(expected: expected, placeholder: { placeholder }) { value, context in
            switch value.kind {
            case .number(let number):
                guard accept(number.double) else {
                    context.mismatch(value, expected: expected)
                    return nil
                }
                return number.double
            case .string(let text):
                let suggestion = Double(text).flatMap { $0.isFinite && accept($0) && text.first != "+" ? text : nil }
                context.mismatch(value, expected: expected, suggestion: suggestion)
                return nil
            default:
                context.mismatch(value, expected: expected)
                return nil
            }
        }
    }
}

extension ValueReader where Value == Bool {
    /// `true` or `false` (a string "true" is reported with the literal as suggestion).
    public static var bool: ValueReader<Bool> {
        let expected = "true or false"
        return ValueReader(expected: expected, placeholder: { false }) { value, context in
            if let flag = value.boolValue { return flag }
            let suggestion = value.stringValue.flatMap { NearestName.nearest(to: $0, in: ["true", "false"]) }
            context.mismatch(value, expected: expected, suggestion: suggestion)
            return nil
        }
    }
}

extension ValueReader where Value == String {
    /// Any string.
    public static var string: ValueReader<String> {
        ValueReader(expected: "a string", placeholder: { "" }) { value, context in
            if let text = value.stringValue { return text }
            context.mismatch(value, expected: "a string")
            return nil
        }
    }

    /// A string that is not empty.
    public static var nonEmptyString: ValueReader<String> {
        string.satisfying("a non-empty string") { !$0.isEmpty }
    }

    /// One of `allowed`: `one of "fifo", "lifo"`; a near miss suggests the nearest.
    public static func string(oneOf allowed: [String]) -> ValueReader<String> {
        let expected = "one of " + allowed.map(CanonicalJSON.quote).joined(separator: ", ")
        return ValueReader(expected: expected, placeholder: { allowed.first ?? "" }) { value, context in
            guard let text = value.stringValue else {
                context.mismatch(value, expected: expected)
                return nil
            }
            guard allowed.contains(text) else {
                context.mismatch(value, expected: expected, suggestion: NearestName.nearest(to: text, in: allowed))
                return nil
            }
            return text
        }
    }
}

extension ValueReader where Value: CaseIterable & RawRepresentable & Sendable, Value.RawValue == String {
    /// A case of a string enumeration, by raw value: `.oneOf(Discipline.self)`.
    /// The enumeration must have at least one case.
    public static func oneOf(_ type: Value.Type) -> ValueReader<Value> {
        let names = Value.allCases.map(\.rawValue)
        return ValueReader<String>.string(oneOf: names).map { name in
            guard let value = Value(rawValue: name) ?? Value.allCases.first else {
                fatalError("ValueReader.oneOf needs an enumeration with at least one case")
            }
            return value
        }
    }
}

extension ValueReader where Value == JSONValue {
    /// Any JSON value, unchecked.
    public static var json: ValueReader<JSONValue> {
        ValueReader(expected: "a JSON value", placeholder: { .null }) { value, _ in value }
    }
}

extension ValueReader {
    /// An array whose elements are read with `element`, with between `count.lowerBound`
    /// and `count.upperBound` elements (any number by default). Invalid elements are
    /// reported at their own path (`$.faults[2].at`) and the others still read.
    public static func array<T>(of element: ValueReader<T>, count: ClosedRange<Int> = 0...Int.max) -> ValueReader<[T]>
    where Value == [T] {
        let expected: String
        switch (count.lowerBound, count.upperBound) {
        case (0, Int.max): expected = "an array"
        case (1, Int.max): expected = "a non-empty array"
        case (let low, Int.max): expected = "an array of at least \(low) elements"
        case (let low, let high) where low == high: expected = "an array of exactly \(low) element\(low == 1 ? "" : "s")"
        case (0, let high): expected = "an array of at most \(high) elements"
        case (let low, let high): expected = "an array of \(low) to \(high) elements"
        }
        return ValueReader<[T]>(expected: expected, placeholder: { [] }) { value, context in
            guard let elements = value.arrayValue else {
                context.mismatch(value, expected: expected)
                return nil
            }
            guard count.contains(elements.count) else {
                context.mismatch(value, expected: expected)
                return nil
            }
            var result: [T] = []
            result.reserveCapacity(elements.count)
            for (index, item) in elements.enumerated() {
                result.append(element.readOrPlaceholder(item, context.child(.index(index))))
            }
            return result
        }
    }

    /// A non-empty array of `element`.
    public static func nonEmptyArray<T>(of element: ValueReader<T>) -> ValueReader<[T]> where Value == [T] {
        array(of: element, count: 1...Int.max)
    }

    /// An object whose keys are names chosen by the world (services, journeys...) and whose
    /// values are read with `reader`, as `(key, value)` pairs in file order (never a
    /// `Dictionary`, whose order would vary between runs).
    public static func members<T>(of reader: ValueReader<T>) -> ValueReader<[(key: String, value: T)]>
    where Value == [(key: String, value: T)] {
        ValueReader<[(key: String, value: T)]>(expected: "an object", placeholder: { [] }) { value, context in
            guard let object = value.objectValue else {
                context.mismatch(value, expected: "an object")
                return nil
            }
            return object.members.map { member in
                (member.key, reader.readOrPlaceholder(member.value, context.child(.key(member.key))))
            }
        }
    }

    /// An object read field by field by `body` (see ``ObjectReader``). When `body`
    /// returns, keys it did not ask about are reported as unknown, and required fields
    /// it asked about but that are absent as missing.
    ///
    /// `body` also builds the placeholder (it is run on an empty object whose problems are
    /// discarded), so it must not have side effects and must not trap on placeholder values;
    /// a recursive schema must read its recursive fields with `optional`, or building the
    /// placeholder would never end.
    public static func object(_ body: @escaping @Sendable (ObjectReader) -> Value) -> ValueReader<Value> {
        ValueReader(expected: "an object", placeholder: {
            let empty = JSONValue(.object(JSONObject()))
            return body(ObjectReader(value: empty, object: JSONObject(), path: .root, log: DiagnosticLog(limit: 1, discards: true)))
        }) { value, context in
            guard let object = value.objectValue else {
                context.mismatch(value, expected: "an object")
                return nil
            }
            let reader = ObjectReader(value: value, object: object, path: context.path, log: context.log)
            let result = body(reader)
            reader.finish()
            return result
        }
    }
}
