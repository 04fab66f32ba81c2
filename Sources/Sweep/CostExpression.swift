/// The cost of a configuration (`--minimize "services.order.workers + 2 * services.payment.database.max_open"`):
/// numbers, the varied parameters' paths, `+ - * /`, unary minus and parentheses, with the
/// usual precedence. A path's value is the configuration's value on that axis as a number
/// (durations in milliseconds, see ``SweepParameter/numeric(_:)``).
public struct CostExpression: Sendable, Equatable, CustomStringConvertible {
    /// A parsed expression tree.
    indirect enum Node: Sendable, Equatable {
        case number(Double)
        case parameter(String)
        case negate(Node)
        case binary(Character, Node, Node)
    }

    let root: Node
    /// The text as written.
    public let text: String

    public var description: String { text }

    /// Parses `text`; every path must be one of `parameters` (the varied paths).
    public init(parsing text: String, parameters: [String]) throws(SweepError) {
        var parser = Parser(characters: Array(text), parameters: parameters)
        root = try parser.expression()
        parser.skipSpaces()
        if parser.position < parser.characters.count {
            throw SweepError("--minimize (\(text)): unexpected \"\(parser.characters[parser.position])\" at character \(parser.position + 1)")
        }
        self.text = text
    }

    /// The paths the expression uses, in order of first use.
    public var parameters: [String] {
        var names: [String] = []
        func walk(_ node: Node) {
            switch node {
            case .number: break
            case .parameter(let name): if !names.contains(name) { names.append(name) }
            case .negate(let inner): walk(inner)
            case .binary(_, let left, let right): walk(left); walk(right)
            }
        }
        walk(root)
        return names
    }

    /// The cost with each path's value from `value(path)`.
    public func evaluate(_ value: (String) -> Double) -> Double {
        func walk(_ node: Node) -> Double {
            switch node {
            case .number(let number): return number
            case .parameter(let name): return value(name)
            case .negate(let inner): return -walk(inner)
            case .binary(let op, let left, let right):
                let (a, b) = (walk(left), walk(right))
                switch op {
                case "+": return a + b
                case "-": return a - b
                case "*": return a * b
                default: return a / b
                }
            }
        }
        return walk(root)
    }

    /// Recursive descent: expression = term (("+"|"-") term)*, term = factor (("*"|"/") factor)*,
    /// factor = "-" factor | number | path | "(" expression ")".
    struct Parser {
        let characters: [Character]
        let parameters: [String]
        var position = 0

        init(characters: [Character], parameters: [String]) {
            self.characters = characters
            self.parameters = parameters
        }

        var text: String { String(characters) }

        mutating func skipSpaces() {
            while position < characters.count, characters[position] == " " { position += 1 }
        }

        mutating func expression() throws(SweepError) -> Node {
            var node = try term()
            while true {
                skipSpaces()
                guard position < characters.count, characters[position] == "+" || characters[position] == "-" else { return node }
                let op = characters[position]
                position += 1
                node = .binary(op, node, try term())
            }
        }

        mutating func term() throws(SweepError) -> Node {
            var node = try factor()
            while true {
                skipSpaces()
                guard position < characters.count, characters[position] == "*" || characters[position] == "/" else { return node }
                let op = characters[position]
                position += 1
                node = .binary(op, node, try factor())
            }
        }

        mutating func factor() throws(SweepError) -> Node {
            skipSpaces()
            guard position < characters.count else {
                throw SweepError("--minimize (\(text)): the expression ends where a number, a path or \"(\" was expected")
            }
            let character = characters[position]
            if character == "-" {
                position += 1
                return .negate(try factor())
            }
            if character == "(" {
                position += 1
                let inner = try expression()
                skipSpaces()
                guard position < characters.count, characters[position] == ")" else {
                    throw SweepError("--minimize (\(text)): missing \")\" at character \(position + 1)")
                }
                position += 1
                return inner
            }
            if character.isNumber || character == "." {
                let start = position
                while position < characters.count, characters[position].isNumber || characters[position] == "." { position += 1 }
                let literal = String(characters[start..<position])
                guard let number = Double(literal) else {
                    throw SweepError("--minimize (\(text)): \"\(literal)\" is not a number")
                }
                return .number(number)
            }
            if character.isLetter || character == "_" || character == "$" {
                let start = position
                while position < characters.count,
                      characters[position].isLetter || characters[position].isNumber || "_.[]\"$#".contains(characters[position]) {
                    position += 1
                }
                let path = String(characters[start..<position])
                guard parameters.contains(path) else {
                    let list = parameters.isEmpty ? "no parameter is varied" : "the varied paths are " + parameters.joined(separator: ", ")
                    throw SweepError("--minimize (\(text)): \"\(path)\" is not a varied parameter (\(list))")
                }
                return .parameter(path)
            }
            throw SweepError("--minimize (\(text)): unexpected \"\(character)\" at character \(position + 1)")
        }
    }
}
