import Foundation
import SimKernel
import Testing
@testable import World

// Malformed worlds: each case edits a compact valid world (every platform role, a
// generic service, call policies with retry and breaker, infrastructure, faults and
// expectations) and states the exact diagnostics `WorldJSON.read` must give.
//
// Expected lines locate themselves by the text they point at: `«needle»` stands for the
// `w.json:LINE:COLUMN` of the first occurrence of `needle` in the edited document,
// `«needle+N»` for the character N bytes after its start, `«END»` for the end of input.
// So a case says *what* is blamed, and the line and column are counted independently of
// the parser (with the naive counter of Support/Helpers.swift).

/// The valid world every case starts from.
private let baseWorld = #"""
{
  "version": 1,
  "name": "base",
  "seed": 3,
  "duration": "10m",
  "traffic": {
    "rate": "2/s",
    "customers": 100,
    "journeys": [
      { "kind": "order", "weight": 2 },
      { "kind": "request", "service": "backend" }
    ],
    "app": { "timeout": "5s", "attempts": 3 }
  },
  "catalog": { "items": 50, "flash_items": 2 },
  "services": {
    "gateway": {
      "workers": 8,
      "limits": { "order": { "kind": "token_bucket", "rate": "100/s", "burst": 50 } }
    },
    "auth": { "workers": 4 },
    "menu": { "workers": 4, "cache_ttl": "5m" },
    "order": {
      "workers": 8,
      "max_workers": 16,
      "intake": "sync",
      "calls": {
        "inventory": {
          "timeout": "1s",
          "retry": { "attempts": 3, "base": "100ms", "cap": "1s" },
          "breaker": { "kind": "resilience4j", "failure_rate": "50%", "min_calls": 20 }
        }
      }
    },
    "inventory": { "workers": 4, "locking": "distributed" },
    "payment": { "workers": 4 },
    "dispatch": { "workers": 4 },
    "notification": { "workers": 2 },
    "backend": { "instances": 2, "workers": 8, "queue": 64, "work": { "exp": "100ms" } }
  },
  "infrastructure": {
    "database": { "cores": 8, "max_connections": 200 },
    "registry": { "heartbeat": "5s", "ttl": "15s" }
  },
  "faults": [
    { "at": "2m", "kind": "latency", "target": "payment_gateway", "extra": "200ms", "for": "1m" },
    { "at": "5m", "kind": "crash", "target": "backend#1", "restart_after": "30s" }
  ],
  "expect": ["invariants.oversold == 0", "orders.failed_ratio in 1m..5m <= 0.5"]
}
"""#

/// One change to the base world's text.
enum WorldEdit: Sendable {
    /// Replaces the first occurrence of the first text by the second.
    case replace(String, String)
    /// Cuts the text right after the first occurrence of the needle.
    case truncateAfter(String)
    /// Replaces the whole text.
    case whole(String)
    /// Appends text at the end.
    case append(String)
}

/// A malformed world: edits of the base world and the exact diagnostics, one per line.
struct MalformedWorld: Sendable, CustomTestStringConvertible {
    let name: String
    let edits: [WorldEdit]
    let overrides: [String]
    let expected: [String]

    init(_ name: String, _ edits: [WorldEdit], overrides: [String] = [], _ expected: [String]) {
        self.name = name
        self.edits = edits
        self.overrides = overrides
        self.expected = expected
    }

    /// One replacement, one diagnostic.
    init(_ name: String, _ old: String, _ new: String, _ expected: String) {
        self.init(name, [.replace(old, new)], [expected])
    }

    var testDescription: String { name }
}

/// The base world with `edits` applied, recording an issue when an edit's text is absent
/// (so that a stale case cannot silently test the unedited world).
private func apply(_ edits: [WorldEdit], to text: String) -> String {
    var text = text
    for edit in edits {
        switch edit {
        case .replace(let old, let new):
            guard let range = text.range(of: old) else {
                Issue.record("edit target not found: \(old)")
                continue
            }
            text.replaceSubrange(range, with: new)
        case .truncateAfter(let needle):
            guard let range = text.range(of: needle) else {
                Issue.record("truncation point not found: \(needle)")
                continue
            }
            text = String(text[..<range.upperBound])
        case .whole(let replacement):
            text = replacement
        case .append(let suffix):
            text += suffix
        }
    }
    return text
}

/// `w.json:LINE:COLUMN` for a `«needle»`, `«needle+N»` or `«END»` token.
private func locate(_ token: String, in text: String, file: String) -> String {
    let bytes = Array(text.utf8)
    var needle = token
    var shift = 0
    if let plus = token.lastIndex(of: "+"), let value = Int(token[token.index(after: plus)...]) {
        needle = String(token[..<plus])
        shift = value
    }
    let offset: Int
    if needle == "END" {
        offset = bytes.count + shift
    } else {
        let pattern = Array(needle.utf8)
        guard let start = (0...(max(0, bytes.count - pattern.count))).first(where: { bytes[$0...].starts(with: pattern) })
        else { return "«not found: \(needle)»" }
        offset = start + shift
    }
    let (line, column) = naiveLineColumn(bytes, offset)
    return "\(file):\(line):\(column)"
}

/// The byte offset of the first occurrence of `needle` in `text`.
private func byteOffset(of needle: String, in text: String) -> Int? {
    text.range(of: needle).map { text.utf8.distance(from: text.startIndex, to: $0.lowerBound) }
}

/// Replaces every `«...»` token of `template` by the location it names in `text`.
private func render(_ template: String, in text: String, file: String = "w.json") -> String {
    var out = ""
    var rest = template[...]
    while let open = rest.firstIndex(of: "«"), let close = rest[open...].firstIndex(of: "»") {
        out += rest[..<open]
        out += locate(String(rest[rest.index(after: open)..<close]), in: text, file: file)
        rest = rest[rest.index(after: close)...]
    }
    return out + rest
}

/// Reads `text` as the world `w.json`; the error, or nil (with the world) if it reads.
private func readWorld(_ text: String, overrides: [String] = []) -> Result<WorldSpec, WorldError> {
    do {
        return .success(try WorldJSON.read(Array(text.utf8), file: "w.json", overrides: overrides, with: WorldSpec.reader))
    } catch {
        return .failure(error)
    }
}

/// The rendered diagnostics of an input that must be rejected.
private func diagnostics(_ text: String, overrides: [String] = []) -> WorldError? {
    switch readWorld(text, overrides: overrides) {
    case .success:
        Issue.record("expected the world to be rejected")
        return nil
    case .failure(let error):
        return error
    }
}

// MARK: - The cases

let malformedWorlds: [MalformedWorld] = syntaxCases + typeCases + rangeCases + unitCases + unknownFieldCases
    + missingFieldCases + discriminatorCases + crossFieldCases + referenceCases + expectationCases + duplicateCases
    + combinedCases

private let syntaxCases: [MalformedWorld] = [
    MalformedWorld(
        "syntax: trailing comma in an object", #""restart_after": "30s" }"#, #""restart_after": "30s",}"#,
        "«,}»: $.faults[1]: trailing comma before '}'"),
    MalformedWorld(
        "syntax: trailing comma in an array", #"<= 0.5"]"#, #"<= 0.5",]"#,
        "«,]»: $.expect: trailing comma before ']'"),
    MalformedWorld(
        "syntax: two commas in a row", #""seed": 3,"#, #""seed": 3,,"#,
        #"«,,+1»: $: expected '"' to start an object key, found ','"#),
    MalformedWorld(
        "syntax: a missing comma between members", #""seed": 3,"#, #""seed": 3"#,
        #"«"duration"»: $: expected ',' or '}' after an object member, found '"' (is a ',' missing?)"#),
    MalformedWorld(
        "syntax: a missing closing brace is found at the end of input", #""auth": { "workers": 4 },"#,
        #""auth": { "workers": 4 ,"#,
        "«END»: $: expected ',' or '}' after an object member, found end of input (the object opened at line 1, column 1 is not closed)"),
    MalformedWorld(
        "syntax: a misspelt literal suggests the literal", #""cap": "1s" }"#, #""cap": "1s", "jitter": nul }"#,
        "«nul»: $.services.order.calls.inventory.retry.jitter: expected a value, found 'nul' (did you mean null?)"),
    MalformedWorld(
        "syntax: a capitalised literal suggests the JSON one", #""seed": 3"#, #""seed": True"#,
        "«True»: $.seed: expected a value, found 'True' (did you mean true?)"),
    MalformedWorld(
        "syntax: an unquoted duration", #""duration": "10m""#, #""duration": 10m"#,
        #"«10m»: $.duration: expected a value, found '10m' (strings need double quotes: "10m")"#),
    MalformedWorld(
        "syntax: single quotes", #""name": "base""#, #""name": 'base'"#,
        #"«'base'»: $.name: expected a value, found "'" (JSON strings use double quotes)"#),
    MalformedWorld(
        "syntax: a comment", #""seed": 3,"#, #""seed": /* lucky */ 3,"#,
        "«/*»: $.seed: comments are not allowed in JSON"),
    MalformedWorld(
        "syntax: a string left open runs into the line break", #""name": "base","#, #""name": "base,"#,
        #"«"base,+6»: $.name: unescaped line break in string (is the closing '"' missing? write \n for a line break)"#),
    MalformedWorld(
        "syntax: a file truncated inside a key", [.truncateAfter(#""catal"#)],
        [#"«"catal»: $: unterminated string (no closing '"' before end of input)"#]),
    MalformedWorld(
        "syntax: a file truncated after a key names the open object", [.truncateAfter(#""app""#)],
        [#"«END»: $.traffic.app: expected ':' after the key "app", found end of input (the object opened at line 6, column 14 is not closed)"#]),
    MalformedWorld(
        "syntax: a file truncated inside a value", [.truncateAfter(#""seed": 3"#)],
        ["«END»: $: expected ',' or '}' after an object member, found end of input (the object opened at line 1, column 1 is not closed)"]),
    MalformedWorld(
        "syntax: an empty file", [.whole("")], ["w.json:1:1: $: expected a JSON value, found end of input"]),
    MalformedWorld(
        "syntax: a file of whitespace", [.whole("  \n ")], ["w.json:2:2: $: expected a JSON value, found end of input"]),
    MalformedWorld(
        "syntax: a second top-level value", [.append("\n{}")],
        ["«END+-2»: $: expected end of input after the top-level value, found '{'"]),
]

private let typeCases: [MalformedWorld] = [
    MalformedWorld(
        "type: a string of digits for an integer suggests the number", #""workers": 4, "locking""#,
        #""workers": "4", "locking""#,
        #"«"4"»: $.services.inventory.workers: expected an integer between 1 and 1000000, found string "4" (did you mean 4?)"#),
    MalformedWorld(
        "type: a word for an integer", #""customers": 100"#, #""customers": "many""#,
        #"«"many"»: $.traffic.customers: expected an integer >= 1, found string "many""#),
    MalformedWorld(
        "type: a bare number for a duration asks for a unit", #""duration": "10m""#, #""duration": 600"#,
        "«600»: $.duration: expected a duration >= 1ns, found number 600: a duration needs a unit, as a string"),
    MalformedWorld(
        "type: a bare number for a role field's duration", #""cache_ttl": "5m""#, #""cache_ttl": 300"#,
        "«300»: $.services.menu.cache_ttl: expected a duration >= 1ms, found number 300: a duration needs a unit, as a string"),
    MalformedWorld(
        "type: an array for an object", #""app": { "timeout": "5s", "attempts": 3 }"#, #""app": [ "5s", 3 ]"#,
        #"«[ "5s"»: $.traffic.app: expected an object, found array of 2"#),
    MalformedWorld(
        "type: an empty array for an object", #""catalog": { "items": 50, "flash_items": 2 }"#, #""catalog": []"#,
        "«[]»: $.catalog: expected an object, found empty array"),
    MalformedWorld(
        "type: a boolean for an integer", #""seed": 3"#, #""seed": true"#,
        "«true»: $.seed: expected an integer >= 0, found boolean true"),
    MalformedWorld(
        "type: an object for the name", #""name": "base""#, #""name": {}"#,
        "«{}»: $.name: expected a string, found empty object"),
    MalformedWorld(
        "type: a boolean for a rate", #""rate": "2/s""#, #""rate": true"#,
        #"«true»: $.traffic.rate: expected a rate such as "7.2/s" (or a number per second), found boolean true"#),
]

private let rangeCases: [MalformedWorld] = [
    MalformedWorld(
        "range: zero workers", #""workers": 2 }"#, #""workers": 0 }"#,
        "«\"workers\": 0+11»: $.services.notification.workers: expected an integer between 1 and 1000000, found number 0"),
    MalformedWorld(
        "range: a negative seed", #""seed": 3"#, #""seed": -3"#,
        "«-3»: $.seed: expected an integer >= 0, found number -3"),
    MalformedWorld(
        "range: a ratio above 1 suggests it as a percentage", #""failure_rate": "50%""#, #""failure_rate": 1.5"#,
        #"«1.5»: $.services.order.calls.inventory.breaker.failure_rate: expected a ratio such as "20%" or 0.2, found number 1.5: a ratio is between 0 and 1 (did you mean "1.5%"?)"#),
    MalformedWorld(
        "range: a percentage number without '%'", #""failure_rate": "50%""#, #""failure_rate": 50"#,
        #"«"failure_rate": 50+16»: $.services.order.calls.inventory.breaker.failure_rate: expected a ratio such as "20%" or 0.2, found number 50: a ratio is between 0 and 1 (did you mean "50%"?)"#),
    MalformedWorld(
        "range: a percentage above 100%", #""failure_rate": "50%""#, #""failure_rate": "120%""#,
        #"«"120%"»: $.services.order.calls.inventory.breaker.failure_rate: expected a ratio such as "20%" or 0.2, found string "120%": a percentage must be at most 100%"#),
    MalformedWorld(
        "range: an unknown fallback mode", #""timeout": "1s","#, #""timeout": "1s", "fallback": "stale","#,
        #"«"stale"»: $.services.order.calls.inventory.fallback: expected one of "cached", "default", "defer", found string "stale""#),
    MalformedWorld(
        "range: a fallback object without its mode", #""timeout": "1s","#, #""timeout": "1s", "fallback": {"on_failure": true},"#,
        #"«{"on_failure"»: $.services.order.calls.inventory.fallback.mode: missing required field "mode" (expected one of "cached", "default", "defer")"#),
    MalformedWorld(
        "range: an unknown way of handling deadlines", #""dispatch": { "workers": 4 }"#, #""dispatch": { "workers": 4, "deadlines": "obey" }"#,
        #"«"obey"»: $.services.dispatch.deadlines: expected one of "ignore", "honour", found string "obey""#),
    MalformedWorld(
        "range: a fractional worker count", #""workers": 2 }"#, #""workers": 2.5 }"#,
        "«2.5»: $.services.notification.workers: expected an integer between 1 and 1000000, found number 2.5"),
    MalformedWorld(
        "range: an integer beyond 64 bits says so", #""seed": 3"#, #""seed": 99999999999999999999"#,
        "«99999999999999999999»: $.seed: expected an integer >= 0, found number 99999999999999999999: out of the 64-bit integer range"),
    MalformedWorld(
        "range: max_workers below 1", #""max_workers": 16"#, #""max_workers": 0"#,
        "«\"max_workers\": 0+15»: $.services.order.max_workers: expected an integer between 1 and 1000000, found number 0"),
    MalformedWorld(
        "range: too many retry attempts", #""attempts": 3, "base""#, #""attempts": 300, "base""#,
        "«300»: $.services.order.calls.inventory.retry.attempts: expected an integer between 1 and 100, found number 300"),
    MalformedWorld(
        "range: a reconciler that never waits between ticks", #""intake": "sync","#, #""intake": "sync", "reconcile_interval": "0","#,
        #"«"0",»: $.services.order.reconcile_interval: expected a duration >= 1ms, found string "0""#),
    MalformedWorld(
        "range: a refund loop with no tries", #""intake": "sync","#, #""intake": "sync", "refund_attempts": 0,"#,
        "«\"refund_attempts\": 0+19»: $.services.order.refund_attempts: expected an integer between 1 and 1000, found number 0"),
    MalformedWorld(
        "range: a payment-results prefetch beyond the limit", #""intake": "sync","#, #""intake": "sync", "results_prefetch": 200000,"#,
        "«200000»: $.services.order.results_prefetch: expected an integer between 0 and 100000, found number 200000"),
    MalformedWorld(
        "range: an outbox relay that claims no rows", #""payment": { "workers": 4 }"#, #""payment": { "workers": 4, "outbox_batch": 0 }"#,
        "«\"outbox_batch\": 0+16»: $.services.payment.outbox_batch: expected an integer between 1 and 100000, found number 0"),
    MalformedWorld(
        "type: a guarded deduction given as a string", #""inventory": { "workers": 4, "locking": "distributed" }"#,
        #""inventory": { "workers": 4, "locking": "distributed", "guarded_deduction": "true" }"#,
        #"«"true" }»: $.services.inventory.guarded_deduction: expected true or false, found string "true" (did you mean true?)"#),
    MalformedWorld(
        "type: a charge in a transaction given as a number", #""payment": { "workers": 4 }"#,
        #""payment": { "workers": 4, "charge_in_transaction": 1 }"#,
        "«1 }»: $.services.payment.charge_in_transaction: expected true or false, found number 1"),
    MalformedWorld(
        "unit: a claim lease without a unit", #""payment": { "workers": 4 }"#, #""payment": { "workers": 4, "claim_lease": 30 }"#,
        "«30»: $.services.payment.claim_lease: expected a duration >= 1ms, found number 30: a duration needs a unit, as a string"),
    MalformedWorld(
        "range: a lock client that retries without waiting", #""inventory": { "workers": 4, "locking": "distributed" }"#,
        #""inventory": { "workers": 4, "locking": "distributed", "lock_backoff": "0" }"#,
        #"«"0" }»: $.services.inventory.lock_backoff: expected a duration >= 1ms, found string "0""#),
    MalformedWorld(
        "unit: a state-write backoff cap without a unit", #""intake": "sync","#, #""intake": "sync", "state_write_backoff_cap": 5,"#,
        "«5,»: $.services.order.state_write_backoff_cap: expected a duration >= 1ms, found number 5: a duration needs a unit, as a string"),
    MalformedWorld(
        "range: a merchant app that never waits for a report's answer", #""catalog": { "items": 50, "flash_items": 2 },"#,
        #""catalog": { "items": 50, "flash_items": 2 }, "merchants": { "report_timeout": "0" },"#,
        #"«"0" }»: $.merchants.report_timeout: expected a duration >= 1ms, found string "0""#),
    MalformedWorld(
        "range: an unknown version", #""version": 1"#, #""version": 2"#,
        "«\"version\": 2+11»: $.version: expected the version 1 (the only version of the world language), found number 2"),
]

private let unitCases: [MalformedWorld] = [
    MalformedWorld(
        "unit: \"5sec\" suggests \"5s\"", #""restart_after": "30s""#, #""restart_after": "5sec""#,
        #"«"5sec"»: $.faults[1].restart_after: expected a duration >= 1ns, found string "5sec": unknown unit "sec" (units: h, m, s, ms, us (or µs), ns) (did you mean "5s"?)"#),
    MalformedWorld(
        "unit: \"10 ms\" suggests \"10ms\"", #""timeout": "1s","#, #""timeout": "10 ms","#,
        #"«"10 ms"»: $.services.order.calls.inventory.timeout: expected a duration >= 1ms, found string "10 ms": unexpected space after 10 (did you mean "10ms"?)"#),
    MalformedWorld(
        "unit: a negative duration", #""at": "2m""#, #""at": "-2m""#,
        #"«"-2m"»: $.faults[0].at: expected a duration >= 0s, found string "-2m": durations cannot be negative"#),
    MalformedWorld(
        "unit: a trailing number without unit", #""duration": "10m""#, #""duration": "1m30""#,
        #"«"1m30"»: $.duration: expected a duration >= 1ns, found string "1m30": missing unit after 30 (units: h, m, s, ms, us (or µs), ns)"#),
    MalformedWorld(
        "unit: a rate per \"sec\" suggests \"/s\"", #""rate": "2/s""#, #""rate": "2/sec""#,
        #"«"2/sec"»: $.traffic.rate: expected a rate such as "7.2/s" (or a number per second), found string "2/sec": unknown period "sec" (use s, min, h, ms, us, ns or a duration such as 10s) (did you mean "2/s"?)"#),
    MalformedWorld(
        "unit: a rate without a period", #""rate": "100/s""#, #""rate": "100""#,
        #"«"100"»: $.services.gateway.limits.order.rate: expected a rate > 0 such as "7.2/s" (or a number per second), found string "100": no period after the count (did you mean "100/s"?)"#),
]

private let unknownFieldCases: [MalformedWorld] = [
    MalformedWorld(
        "unknown: a misspelt top-level key", #""seed": 3"#, #""sed": 3"#,
        #"«"sed"»: $.sed: unknown field "sed" (did you mean "seed"?)"#),
    MalformedWorld(
        "unknown: a top-level key far from every known one lists them", #""seed": 3"#, #""colour": 3"#,
        #"«"colour"»: $.colour: unknown field "colour" (known fields: version, name, description, seed, duration, max_events, metrics, services, traffic, catalog, merchants, riders, dependencies, infrastructure, faults, expect, limits)"#),
    MalformedWorld(
        "unknown: a misspelling in traffic.app", #""attempts": 3 }"#, #""attemps": 3 }"#,
        #"«"attemps"»: $.traffic.app.attemps: unknown field "attemps" (did you mean "attempts"?)"#),
    MalformedWorld(
        "unknown: a misspelling in a breaker, several levels down", #""min_calls": 20"#, #""min_call": 20"#,
        #"«"min_call"»: $.services.order.calls.inventory.breaker.min_call: unknown field "min_call" (did you mean "min_calls"?)"#),
    MalformedWorld(
        "unknown: a misspelling in infrastructure.database", #""cores": 8"#, #""core": 8"#,
        #"«"core"»: $.infrastructure.database.core: unknown field "core" (did you mean "cores"?)"#),
    MalformedWorld(
        "unknown: a misspelt required field of faults[0] is reported once, not also as missing", #""extra": "200ms""#,
        #""extar": "200ms""#,
        #"«"extar"»: $.faults[0].extar: unknown field "extar" (did you mean "extra"?)"#),
    MalformedWorld(
        "unknown: case differences are a near miss", #""backend": { "instances": 2, "workers": 8"#,
        #""backend": { "instances": 2, "Workers": 8"#,
        #"«"Workers"»: $.services.backend.Workers: unknown field "Workers" (did you mean "workers"?)"#),
    MalformedWorld(
        "unknown: the order service's \"intake\" on the menu service", #""cache_ttl": "5m""#, #""intake": "sync""#,
        #"«"intake"»: $.services.menu.intake: unknown field "intake" (known fields: role, workers, max_workers, worker_startup, idle_timeout, autoscale, instances, queue, queue_discipline, work, balancer, cache_ttl, ttl_jitter, negative_ttl, bloom_filter, local_cache, single_flight, bloom_fp_rate, early_refresh, calls, database, deadlines)"#),
    MalformedWorld(
        "unknown: the menu's \"cache_ttl\" on a generic service", #""queue": 64,"#, #""queue": 64, "cache_ttl": "5m","#,
        #"«"cache_ttl": "5m",»: $.services.backend.cache_ttl: unknown field "cache_ttl" (known fields: role, workers, max_workers, worker_startup, idle_timeout, autoscale, instances, queue, queue_discipline, work, balancer, calls, database, deadlines)"#),
    MalformedWorld(
        "unknown: a misspelt distribution kind", #""work": { "exp": "100ms" }"#, #""work": { "expo": "100ms" }"#,
        #"«"expo"»: $.services.backend.work.expo: unknown field "expo" (did you mean "exp"?)"#),
]

private let missingFieldCases: [MalformedWorld] = [
    MalformedWorld(
        "missing: the name, reported at the root object", [.replace(#""name": "base","#, "")],
        [#"w.json:1:1: $.name: missing required field "name" (expected a name of letters, digits, '-', '_' or '.' (it names the output folder))"#]),
    MalformedWorld(
        "missing: traffic.rate, reported at the traffic object", [.replace(#""rate": "2/s","#, "")],
        [#"«"traffic": {+11»: $.traffic.rate: missing required field "rate" (expected a rate such as "7.2/s", or a list of segments)"#]),
    MalformedWorld(
        "missing: a service's workers", #""backend": { "instances": 2, "workers": 8,"#, #""backend": { "instances": 2,"#,
        #"«{ "instances"»: $.services.backend.workers: missing required field "workers" (expected an integer between 1 and 1000000)"#),
    MalformedWorld(
        "missing: faults[0].at", #"{ "at": "2m", "kind": "latency""#, #"{ "kind": "latency""#,
        #"«{ "kind": "latency"»: $.faults[0].at: missing required field "at" (expected a duration >= 0s)"#),
    MalformedWorld(
        "missing: a latency fault's \"extra\"", #", "extra": "200ms""#, "",
        #"«{ "at": "2m"»: $.faults[0].extra: missing required field "extra" (expected a distribution such as {"exp": "1s"})"#),
    MalformedWorld(
        "missing: a latency fault's \"for\"", #", "for": "1m" }"#, " }",
        #"«{ "at": "2m"»: $.faults[0].for: missing required field "for" (expected a duration >= 1ns)"#),
    MalformedWorld(
        "missing: a crash fault's target", #""kind": "crash", "target": "backend#1","#, #""kind": "crash","#,
        #"«{ "at": "5m"»: $.faults[1].target: missing required field "target" (expected a non-empty string)"#),
    MalformedWorld(
        "missing: a request journey's service", #", "service": "backend" }"#, " }",
        #"«{ "kind": "request"»: $.traffic.journeys[1].service: missing required field "service" (expected a non-empty string)"#),
    MalformedWorld(
        "missing: retry attempts", #""retry": { "attempts": 3, "#, #""retry": { "#,
        #"«{ "base"»: $.services.order.calls.inventory.retry.attempts: missing required field "attempts" (expected an integer between 1 and 100)"#),
    MalformedWorld(
        "missing: the version", [.replace(#""version": 1,"#, "")],
        [#"w.json:1:1: $.version: missing required field "version" (expected the version 1 (the only version of the world language))"#]),
]

private let discriminatorCases: [MalformedWorld] = [
    MalformedWorld(
        "kind: an unknown journey kind", #"{ "kind": "order", "weight": 2 }"#, #"{ "kind": "deliver", "weight": 2 }"#,
        #"«"deliver"»: $.traffic.journeys[0].kind: expected one of "request", "order", "browse", "flash_sale", found string "deliver""#),
    MalformedWorld(
        "kind: a near-miss journey kind suggests the kind", #"{ "kind": "order", "weight": 2 }"#,
        #"{ "kind": "orders", "weight": 2 }"#,
        #"«"orders"»: $.traffic.journeys[0].kind: expected one of "request", "order", "browse", "flash_sale", found string "orders" (did you mean "order"?)"#),
    MalformedWorld(
        "kind: an unknown fault kind abandons the fault's other fields", #""kind": "crash", "target": "backend#1", "restart_after""#,
        #""kind": "explode", "target": "backend#1", "zzz": 1, "restart_after""#,
        #"«"explode"»: $.faults[1].kind: expected one of "latency", "errors", "crash", "pause", "partition", "surge", "slowdown", "poison", "cache_flush", "database_slowdown", found string "explode""#),
    MalformedWorld(
        "kind: a fault without a kind", #""kind": "crash", "#, "",
        #"«{ "at": "5m"»: $.faults[1].kind: missing required field "kind" (expected one of "latency", "errors", "crash", "pause", "partition", "surge", "slowdown", "poison", "cache_flush", "database_slowdown")"#),
    MalformedWorld(
        "kind: an unknown limiter kind", #""kind": "token_bucket""#, #""kind": "leaky_bucket""#,
        #"«"leaky_bucket"»: $.services.gateway.limits.order.kind: expected one of "token_bucket", "sliding_window", "sliding_window_counter", "fixed_window", "queueing", "warm_up", "concurrency", "bulkhead", "adaptive", found string "leaky_bucket""#),
    MalformedWorld(
        "kind: a near-miss limiter kind", #""kind": "token_bucket""#, #""kind": "tokenbucket""#,
        #"«"tokenbucket"»: $.services.gateway.limits.order.kind: expected one of "token_bucket", "sliding_window", "sliding_window_counter", "fixed_window", "queueing", "warm_up", "concurrency", "bulkhead", "adaptive", found string "tokenbucket" (did you mean "token_bucket"?)"#),
    MalformedWorld(
        "kind: an unknown breaker kind", #""kind": "resilience4j""#, #""kind": "hystrix""#,
        #"«"hystrix"»: $.services.order.calls.inventory.breaker.kind: expected one of "resilience4j", "sentinel", found string "hystrix""#),
    MalformedWorld(
        "kind: a number for a fault kind", #""kind": "crash""#, #""kind": 3"#,
        #"«"kind": 3+8»: $.faults[1].kind: expected one of "latency", "errors", "crash", "pause", "partition", "surge", "slowdown", "poison", "cache_flush", "database_slowdown", found number 3"#),
    MalformedWorld(
        "kind: an unknown role", #""backend": { "instances": 2,"#, #""backend": { "role": "chef", "instances": 2,"#,
        #"«"chef"»: $.services.backend.role: expected one of "gateway", "auth", "menu", "order", "inventory", "payment", "dispatch", "notification", "generic", found string "chef""#),
]

private let crossFieldCases: [MalformedWorld] = [
    MalformedWorld(
        "rule: an adaptive limit's max below its min", #""kind": "token_bucket", "rate": "100/s", "burst": 50"#,
        #""kind": "adaptive", "min_limit": 10, "max_limit": 5"#,
        "«\"max_limit\": 5+13»: $.services.gateway.limits.order.max_limit: expected an integer >= min_limit (10), found number 5"),
    MalformedWorld(
        "range: a Bloom filter's false-positive rate of 1", #""cache_ttl": "5m" }"#, #""cache_ttl": "5m", "bloom_fp_rate": 1 }"#,
        "«\"bloom_fp_rate\": 1+17»: $.services.menu.bloom_fp_rate: expected a number above 0 and below 1, found number 1"),
    MalformedWorld(
        "rule: max_workers beside autoscale", #""max_workers": 16,"#,
        #""max_workers": 16, "autoscale": { "when": { "queue_above": 1000, "utilisation_below": "70%" }, "max": 64 },"#,
        #"«"max_workers": 16+15»: $.services.order.max_workers: expected no max_workers beside autoscale, found number 16: the rule's "max" bounds the workers"#),
    MalformedWorld(
        "rule: an autoscale max below workers", #""max_workers": 16,"#,
        #""autoscale": { "when": { "queue_above": 1000, "utilisation_below": "70%" }, "max": 4 },"#,
        #"«{ "when"»: $.services.order.autoscale: expected a rule whose max is >= workers (8), found object"#),
    MalformedWorld(
        "rule: an autoscale rule without its condition's utilisation", #""max_workers": 16,"#,
        #""autoscale": { "when": { "queue_above": 1000 }, "max": 64 },"#,
        #"«{ "queue_above"»: $.services.order.autoscale.when.utilisation_below: missing required field "utilisation_below" (expected a ratio such as "20%" or 0.2)"#),
    MalformedWorld(
        "rule: a CoDel interval shorter than its target", #""queue": 64,"#,
        #""queue": 64, "queue_discipline": { "kind": "codel", "target": "50ms", "interval": "10ms" },"#,
        #"«"10ms"»: $.services.backend.queue_discipline.interval: expected a duration >= target, found string "10ms""#),
    MalformedWorld(
        "rule: an unknown queue discipline", #""queue": 64,"#, #""queue": 64, "queue_discipline": "lilo","#,
        #"«"lilo"»: $.services.backend.queue_discipline: expected one of "fifo", "lifo", "codel", found string "lilo" (did you mean "lifo"?)"#),
    MalformedWorld(
        "rule: max_workers below workers", #""max_workers": 16"#, #""max_workers": 4"#,
        "«\"max_workers\": 4+15»: $.services.order.max_workers: expected an integer >= workers (8), found number 4"),
    MalformedWorld(
        "rule: a retry cap below its base", #""cap": "1s""#, #""cap": "50ms""#,
        #"«"50ms"»: $.services.order.calls.inventory.retry.cap: expected a duration >= base, found string "50ms""#),
    MalformedWorld(
        "rule: a registry ttl below the heartbeat", #""ttl": "15s""#, #""ttl": "2s""#,
        #"«"2s"»: $.infrastructure.registry.ttl: expected a duration >= heartbeat, found string "2s""#),
    MalformedWorld(
        "rule: a registry backlog without registry workers", #""ttl": "15s""#, #""ttl": "15s", "queue": 100"#,
        #"«"queue": 100+9»: $.infrastructure.registry.queue: expected no queue without workers (a registry without workers is free), found number 100"#),
    MalformedWorld(
        "rule: a ramp without \"for\"", #""rate": "2/s","#, #""rate": [ { "from": "1/s", "to": "3/s" } ],"#,
        #"«{ "from"»: $.traffic.rate[0].for: expected a duration (a ramp must have a length), found missing"#),
    MalformedWorld(
        "rule: only the last rate segment may last forever", #""rate": "2/s","#,
        #""rate": [ { "rate": "1/s" }, { "for": "1m", "rate": "3/s" } ],"#,
        #"«{ "rate": "1/s"»: $.traffic.rate[0]: expected a segment with "for" (only the last may last forever), found object"#),
    MalformedWorld(
        "rule: a segment with both a rate and a ramp", #""rate": "2/s","#,
        #""rate": [ { "for": "1m", "rate": "1/s", "from": "1/s", "to": "2/s" } ],"#,
        #"«"1/s"»: $.traffic.rate[0].rate: expected either "rate" or "from" and "to", not both, found string "1/s""#),
    MalformedWorld(
        "rule: more flash-sale items than items", #""flash_items": 2"#, #""flash_items": 80"#,
        "«80»: $.catalog.flash_items: expected at most catalog.items (50), found number 80"),
    MalformedWorld(
        "rule: a world that never stops", [.replace(#""duration": "10m","#, ""), .replace(#""customers": 100,"#, "")],
        ["w.json:1:1: $.duration: expected a duration, or traffic.customers, or a rate profile that ends, found missing: without one of them the world would never stop"]),
    MalformedWorld(
        "rule: a uniform distribution upside down", #""work": { "exp": "100ms" }"#,
        #""work": { "uniform": ["30ms", "10ms"] }"#,
        #"«"10ms"»: $.services.backend.work.uniform[1]: expected a duration >= 30ms (the lower bound), found string "10ms""#),
    MalformedWorld(
        "rule: a sentinel rule without a strategy",
        #""breaker": { "kind": "resilience4j", "failure_rate": "50%", "min_calls": 20 }"#,
        #""breaker": { "kind": "sentinel", "window": "10s" }"#,
        #"«{ "kind": "sentinel"»: $.services.order.calls.inventory.breaker: a sentinel rule needs one of "error_ratio", "error_count" or "slow_ratio""#),
    MalformedWorld(
        "rule: a sentinel rule with two strategies",
        #""breaker": { "kind": "resilience4j", "failure_rate": "50%", "min_calls": 20 }"#,
        #""breaker": { "kind": "sentinel", "error_ratio": "50%", "error_count": 3, "window": "10s" }"#,
        #"«{ "kind": "sentinel"»: $.services.order.calls.inventory.breaker: a sentinel rule has exactly one strategy; found "error_ratio" and "error_count""#),
    MalformedWorld(
        "rule: max_response belongs to a slow-ratio rule",
        #""breaker": { "kind": "resilience4j", "failure_rate": "50%", "min_calls": 20 }"#,
        #""breaker": { "kind": "sentinel", "error_ratio": "50%", "window": "10s", "max_response": "1s" }"#,
        #"«"max_response": "1s"+16»: $.services.order.calls.inventory.breaker.max_response: expected max_response only with slow_ratio, found string "1s""#),
    MalformedWorld(
        "rule: two services playing one platform role", #""backend": { "instances": 2,"#,
        #""backend": { "role": "order", "instances": 2,"#,
        #"«"backend": { "role"+11»: $.services.backend: expected at most one service per platform role, found object: order and backend both play order"#),
    MalformedWorld(
        "rule: a distribution with two kinds", #""work": { "exp": "100ms" }"#, #""work": { "exp": "100ms", "normal": {} }"#,
        #"«{ "exp"»: $.services.backend.work: expected a distribution such as {"exp": "1s"}, found object: a distribution has exactly one kind, found "exp" and "normal""#),
]

// Unresolvable references whose name is far from every defined one (no suggestion; the
// near misses are in `ReaderKnownIssueTests`).
private let referenceCases: [MalformedWorld] = [
    MalformedWorld(
        "reference: an order journey without the menu service", #""menu": { "workers": 4, "cache_ttl": "5m" },"#, "",
        #"«"kind": "order"+8»: $.traffic.journeys[0].kind: expected a journey whose services the world has (an order journey uses the platform), found string "order": services missing: menu"#),
    MalformedWorld(
        "reference: a request journey to an undefined service", #""service": "backend""#, #""service": "kitchen""#,
        #"«"service": "kitchen"+11»: $.traffic.journeys[1].service: expected the name of a service of this world, found string "kitchen": no service is named "kitchen""#),
    MalformedWorld(
        "reference: a call policy for an unknown callee", #""inventory": {"#, #""warehouse": {"#,
        #"«"warehouse": {+13»: $.services.order.calls.warehouse: expected a call policy for a service or dependency of this world (or "default"), found object: nothing is named "warehouse""#),
    MalformedWorld(
        "reference: a fault naming an unknown service", #""target": "payment_gateway""#, #""target": "kitchen""#,
        #"«"target": "kitchen"+10»: $.faults[0].target: expected a service, an instance ("order#0"), a dependency or a piece of infrastructure ("database", "cache", "broker", "locks") of this world, found string "kitchen": nothing is named "kitchen""#),
    MalformedWorld(
        "reference: a database crash without a restart",
        #"{ "at": "5m", "kind": "crash", "target": "backend#1", "restart_after": "30s" }"#,
        #"{ "at": "5m", "kind": "crash", "target": "database" }"#,
        #"«{ "at": "5m", "kind": "crash", "target": "database" }»: $.faults[1].restart_after: expected a duration >= 1ns (a crashed database must restart), found missing"#),
    MalformedWorld(
        "reference: a slowdown of something that is not infrastructure",
        #"{ "at": "2m", "kind": "latency", "target": "payment_gateway", "extra": "200ms", "for": "1m" }"#,
        #"{ "at": "2m", "kind": "slowdown", "target": "backend", "factor": 3, "for": "1m" }"#,
        #"«"target": "backend"+10»: $.faults[0].target: expected a piece of infrastructure ("database", "cache", "broker", "locks") or "dns", found string "backend": "backend" cannot take this kind of fault"#),
]

private let expectationCases: [MalformedWorld] = [
    MalformedWorld(
        "expect: a wrong operator", #""invariants.oversold == 0""#, #""invariants.oversold = 0""#,
        #"«"invariants»: $.expect[0]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "invariants.oversold = 0": unknown comparison "=" (use <=, >=, <, >, ==, !=)"#),
    MalformedWorld(
        "expect: a window that ends before it starts", "1m..5m", "5m..1m",
        #"«"orders»: $.expect[1]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "orders.failed_ratio in 5m..1m <= 0.5": the window's start must be before its end"#),
    MalformedWorld(
        "expect: a window without '..'", "1m..5m", "1m-5m",
        #"«"orders»: $.expect[1]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "orders.failed_ratio in 1m-5m <= 0.5": expected a window FROM..TO such as 12m..18m, found "1m-5m""#),
    MalformedWorld(
        "expect: a window with a bad unit", "1m..5m", "1x..5m",
        #"«"orders»: $.expect[1]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "orders.failed_ratio in 1x..5m <= 0.5": window "1x..5m": unknown unit "x" (units: h, m, s, ms, us (or µs), ns)"#),
    MalformedWorld(
        "expect: four words", #""invariants.oversold == 0""#, #""invariants.oversold == 0 please""#,
        #"«"invariants»: $.expect[0]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "invariants.oversold == 0 please": expected 3 or 5 words separated by spaces, found 4"#),
    MalformedWorld(
        "expect: something other than \"in\" before the window", "failed_ratio in 1m", "failed_ratio at 1m",
        #"«"orders»: $.expect[1]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "orders.failed_ratio at 1m..5m <= 0.5": expected "in" after the metric, found "at""#),
    MalformedWorld(
        "expect: a word for the number", #""invariants.oversold == 0""#, #""invariants.oversold == zero""#,
        #"«"invariants»: $.expect[0]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "invariants.oversold == zero": "zero" is not a number"#),
    MalformedWorld(
        "expect: a latency with a unit", #""invariants.oversold == 0""#, #""app.order.latency.p99 < 1.5s""#,
        #"«"app.order.latency.p99 < 1.5s»: $.expect[0]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "app.order.latency.p99 < 1.5s": "1.5s" is not a number: latencies are compared in milliseconds, without a unit (did you mean 1500?)"#),
    MalformedWorld(
        "expect: an infinite percentage", #""invariants.oversold == 0""#, #""orders.failed_ratio <= inf%""#,
        #"«"orders»: $.expect[0]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "orders.failed_ratio <= inf%": "inf%" is not a number"#),
    MalformedWorld(
        "expect: a NaN percentage", #""invariants.oversold == 0""#, #""orders.failed_ratio <= nan%""#,
        #"«"orders»: $.expect[0]: expected an expectation: METRIC [in FROM..TO] OP NUMBER, found string "orders.failed_ratio <= nan%": "nan%" is not a number"#),
    MalformedWorld(
        "expect: a number instead of a string", #""invariants.oversold == 0""#, "42",
        #"«42»: $.expect[0]: expected an expectation string such as "orders.failed_ratio in 12m..18m >= 0.3", found number 42"#),
]

private let duplicateCases: [MalformedWorld] = [
    MalformedWorld(
        "duplicate: a top-level key twice", #""seed": 3,"#, #""seed": 3, "seed": 4,"#,
        #"«"seed": 4»: $.seed: duplicate key "seed" (first defined at line 4, column 3)"#),
    MalformedWorld(
        "duplicate: a service field twice", #""queue": 64,"#, #""queue": 64, "queue": 32,"#,
        #"«"queue": 32»: $.services.backend.queue: duplicate key "queue" (first defined at line 39, column 48)"#),
]

private let combinedCases: [MalformedWorld] = [
    MalformedWorld(
        "several: every schema problem in one report, in file order",
        [.replace(#""kind": "crash""#, #""kind": "explode""#), .replace(#""cores": 8"#, #""core": 8"#),
         .replace(#""workers": 2 }"#, #""workers": 0 }"#), .replace(#""seed": 3"#, #""seed": "three""#)],
        [#"«"three"»: $.seed: expected an integer >= 0, found string "three""#,
         "«\"workers\": 0+11»: $.services.notification.workers: expected an integer between 1 and 1000000, found number 0",
         #"«"core"»: $.infrastructure.database.core: unknown field "core" (did you mean "cores"?)"#,
         #"«"explode"»: $.faults[1].kind: expected one of "latency", "errors", "crash", "pause", "partition", "surge", "slowdown", "poison", "cache_flush", "database_slowdown", found string "explode""#]),
    MalformedWorld(
        "several: a syntax error hides the schema problems after it",
        [.replace(#""seed": 3"#, #""seed": "three""#), .replace(#""cap": "1s" }"#, #""cap": "1s",}"#)],
        ["«,}»: $.services.order.calls.inventory.retry: trailing comma before '}'"]),
    MalformedWorld(
        "several: file problems before --set problems",
        [.replace(#""seed": 3"#, #""sed": 3"#)], overrides: ["services.backend.workers=0"],
        [#"«"sed"»: $.sed: unknown field "sed" (did you mean "seed"?)"#,
         "--set #1: $.services.backend.workers: expected an integer between 1 and 1000000, found number 0"]),
    MalformedWorld(
        "several: a --set that breaks a cross-field rule blames the file's value",
        [], overrides: ["services.order.workers=128"],
        ["«\"max_workers\": 16+15»: $.services.order.max_workers: expected an integer >= workers (128), found number 16"]),
]

// MARK: - Tests

@Suite("Malformed worlds")
struct MalformedWorldTests {
    @Test("the base world is valid and reads as written")
    func baseIsValid() throws {
        let spec = try WorldJSON.read(Array(baseWorld.utf8), file: "w.json", with: WorldSpec.reader)
        #expect(spec.name == "base" && spec.seed == 3 && spec.duration == .seconds(600))
        #expect(spec.services.map(\.name) == [
            "auth", "backend", "dispatch", "gateway", "inventory", "menu", "notification", "order", "payment"])
        #expect(spec.traffic.customers == 100 && spec.traffic.journeys.count == 2)
        #expect(spec.faults.count == 2 && spec.expectations.count == 2)
        #expect(spec.service("order")?.maxWorkers == 16)
        #expect(spec.service("backend")?.role == .generic && spec.service("menu")?.role == .menu)
    }

    @Test("each malformed world gives exactly the expected diagnostics", arguments: malformedWorlds)
    func malformed(_ world: MalformedWorld) throws {
        let text = apply(world.edits, to: baseWorld)
        #expect(text != baseWorld || !world.overrides.isEmpty, "the case must change something")
        let error = try #require(diagnostics(text, overrides: world.overrides))
        let expected = world.expected.map { render($0, in: text) }
        #expect(error.diagnostics.map(\.description) == expected)
        #expect(error.description == expected.joined(separator: "\n"))
        #expect(error.omitted == 0)
    }

    @Test("there are at least 30 malformed worlds, in every category")
    func enoughCases() {
        #expect(malformedWorlds.count >= 30)
        let categories = Set(malformedWorlds.map { $0.name.prefix { $0 != ":" } })
        #expect(categories.count >= 12, "\(categories.sorted())")
        #expect(Set(malformedWorlds.map(\.name)).count == malformedWorlds.count, "case names are unique")
    }

    @Test("a misspelt key's diagnostic carries its parts separately")
    func structuredUnknownField() throws {
        let text = apply([.replace(#""min_calls": 20"#, #""min_call": 20"#)], to: baseWorld)
        let error = try #require(diagnostics(text))
        let diagnostic = try #require(error.diagnostics.first)
        #expect(error.diagnostics.count == 1)
        #expect(diagnostic.path == ["services", "order", "calls", "inventory", "breaker", "min_call"])
        #expect(diagnostic.message == #"unknown field "min_call""#)
        #expect(diagnostic.suggestion == "min_calls")
        #expect(diagnostic.expected == "a known field")
        #expect(diagnostic.found == #"field "min_call""#)
        #expect(diagnostic.location.origin == .file("w.json"))
        #expect(diagnostic.location.offset == byteOffset(of: #""min_call""#, in: text))
    }

    @Test("a wrong value's diagnostic carries what was expected and what was found")
    func structuredMismatch() throws {
        let text = apply([.replace(#""restart_after": "30s""#, #""restart_after": "5sec""#)], to: baseWorld)
        let diagnostic = try #require(diagnostics(text)?.diagnostics.first)
        #expect(diagnostic.path == ["faults", 1, "restart_after"])
        #expect(diagnostic.expected == "a duration >= 1ns")
        #expect(diagnostic.found == #"string "5sec""#)
        #expect(diagnostic.suggestion == "5s")
        #expect(diagnostic.message.hasSuffix(#"unknown unit "sec" (units: h, m, s, ms, us (or µs), ns)"#))
    }

    @Test("a missing field's diagnostic is located at the object that lacks it")
    func structuredMissing() throws {
        let text = apply([.replace(#""backend": { "instances": 2, "workers": 8,"#, #""backend": { "instances": 2,"#)], to: baseWorld)
        let diagnostic = try #require(diagnostics(text)?.diagnostics.first)
        #expect(diagnostic.path == ["services", "backend", "workers"])
        #expect(diagnostic.found == "missing")
        #expect(diagnostic.expected == "an integer between 1 and 1000000")
        #expect(diagnostic.location.offset == byteOffset(of: #"{ "instances": 2,"#, in: text))
    }

    @Test("problems beyond the limit are counted, not listed")
    func diagnosticLimit() throws {
        // Thirty unknown top-level keys, all far from every known name.
        let extra = (0..<30).map { #""zz\#($0)qq": \#($0)"# }.joined(separator: ", ")
        let text = apply([.replace(#""seed": 3"#, #""seed": 3, "# + extra)], to: baseWorld)
        do {
            _ = try WorldJSON.read(Array(text.utf8), file: "w.json", with: WorldSpec.reader, maxDiagnostics: 5)
            Issue.record("expected errors")
        } catch {
            #expect(error.diagnostics.count == 5)
            #expect(error.omitted == 25)
            #expect(error.description.hasSuffix("\n... and 25 more errors"))
            let expectedPaths: [JSONPath?] = (0..<5).map { JSONPath(components: [.key("zz\($0)qq")]) }
            #expect(error.diagnostics.map(\.path) == expectedPaths)
        }
    }
}

// MARK: - Known problems in the readers

@Suite("Malformed worlds: known reader problems")
struct ReaderKnownIssueTests {
    /// Near-miss references: the suggestion is the bare name (rendered once as
    /// `(did you mean "backend"?)`), like every other suggestion; the diagnostic should
    /// point at the reference itself, as every other wrong value does.
    @Test("a near-miss reference suggests the defined name, at the reference", arguments: [
        (#""service": "backend""#, "backnd", "backend", "$.traffic.journeys[1].service"),
        (#""target": "payment_gateway""#, "payment_gatway", "payment_gateway", "$.faults[0].target"),
        (#""target": "backend#1""#, "bakend#1", "backend#1", "$.faults[1].target"),
        (#""inventory": {"#, "inventroy", "inventory", "$.services.order.calls.inventroy"),
    ])
    func referenceSuggestion(_ old: String, _ wrong: String, _ suggestion: String, _ path: String) throws {
        let text = apply([.replace(old, old.replacingOccurrences(of: suggestion, with: wrong))], to: baseWorld)
        let error = try #require(diagnostics(text))
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics.first?.message.contains(#""\#(wrong)""#) == true, "the message names the wrong name")
        #expect(error.diagnostics.first?.suggestion == suggestion)
        #expect(error.description.hasSuffix(#"(did you mean "\#(suggestion)"?)"#), "\(error)")
        #expect(error.diagnostics.first?.path?.description == path)
    }

    @Test("a trailing comma followed by whitespace is located at the comma", arguments: [", }", ",\n    }"])
    func trailingCommaLocation(_ separator: String) throws {
        let text = apply([.replace(#""restart_after": "30s" }"#, #""restart_after": "30s""# + separator)], to: baseWorld)
        let error = try #require(diagnostics(text))
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics.first?.message == "trailing comma before '}'")
        #expect(error.diagnostics.first?.location.offset == byteOffset(of: separator, in: text))
    }

    @Test("a ramp without \"for\" before a final segment is reported once")
    func rampReportedOnce() throws {
        let text = apply([.replace(#""rate": "2/s","#, #""rate": [ { "from": "1/s", "to": "3/s" }, { "rate": "3/s" } ],"#)], to: baseWorld)
        let error = try #require(diagnostics(text))
        let first = render(#"«{ "from"»: $.traffic.rate[0].for: expected a duration (a ramp must have a length), found missing"#, in: text)
        #expect(error.diagnostics.first?.description == first)
        #expect(error.diagnostics.count == 1, "\(error)")
    }

    @Test("a misspelt key of a rate segment is the only problem reported", arguments: [
        #"[ { "for": "1m", "rate": "1/s" }, { "fro": "1m", "from": "1/s", "to": "3/s" } ]"#,
        #"[ { "rtae": "1/s" } ]"#,
    ])
    func misspeltSegmentKey(_ profile: String) throws {
        let text = apply([.replace(#""rate": "2/s","#, #""rate": "# + profile + ",")], to: baseWorld)
        let error = try #require(diagnostics(text))
        #expect(error.diagnostics.contains { $0.message.hasPrefix("unknown field") && $0.suggestion != nil })
        #expect(error.diagnostics.count == 1, "\(error)")
    }
}

// MARK: - --set overrides

@Suite("Malformed worlds: --set overrides")
struct WorldOverrideTests {
    private func read(_ overrides: [String]) throws -> WorldSpec {
        try WorldJSON.read(Array(baseWorld.utf8), file: "w.json", overrides: overrides, with: WorldSpec.reader)
    }

    @Test("integer overrides change the spec")
    func integers() throws {
        let spec = try read(["services.order.max_workers=256", "services.order.workers=128", "traffic.customers=5"])
        #expect(spec.service("order")?.workers == 128)
        #expect(spec.service("order")?.maxWorkers == 256)
        #expect(spec.traffic.customers == 5)
        let base = try read([])
        #expect(base.service("order")?.workers == 8 && base.traffic.customers == 100)
    }

    @Test("a duration, a rate and a ratio given bare or quoted")
    func units() throws {
        let spec = try read(["duration=45m", #"faults[0].at="3m""#, "traffic.rate=9/s",
                             "services.order.calls.inventory.breaker.failure_rate=25%"])
        #expect(spec.duration == .seconds(2700))
        #expect(spec.faults.map(\.at) == [.seconds(180), .seconds(300)])
        #expect(spec.traffic.rate == .constant(9))
        guard case .resilience4j(let breaker)? = spec.service("order")?.calls.policy(for: "inventory").breaker else {
            Issue.record("expected a resilience4j breaker")
            return
        }
        #expect(breaker.failureRate == 0.25)
    }

    @Test("a JSON object value replaces a whole subtree")
    func objectValue() throws {
        let spec = try read([#"services.backend.work={"uniform": ["10ms", "30ms"]}"#,
                             #"infrastructure.registry={"heartbeat": "1s", "ttl": "3s"}"#])
        #expect(spec.service("backend")?.work == .uniform(lower: 0.01, upper: 0.03))
        #expect(spec.infrastructure.registry.heartbeat == .seconds(1))
        #expect(spec.infrastructure.registry.ttl == .seconds(3))
    }

    @Test("a registry with workers is a server; its other fields default")
    func registryServer() throws {
        let free = try read([])
        #expect(free.infrastructure.registry.server == nil)
        #expect(free.infrastructure.registry.jitter == 0)
        let spec = try read([#"infrastructure.registry={"heartbeat": "5s", "ttl": "15s", "jitter": "10%", "workers": 2, "queue": "unbounded"}"#,
                             #"infrastructure.dns={"stale_while_revalidate": "10m"}"#])
        #expect(spec.infrastructure.registry.jitter == 0.1)
        #expect(spec.infrastructure.registry.server == RegistryServerSpec(workers: 2, queueCapacity: nil))
        #expect(spec.infrastructure.dns?.staleWhileRevalidate == .seconds(600))
        #expect(spec.infrastructure.dns?.ttl == .seconds(60))
    }

    @Test("null turns an optional setting off")
    func nulls() throws {
        let spec = try read(["traffic.customers=null", "services.order.max_workers=null", "traffic.app.timeout=null",
                             "services.order.calls.inventory.timeout=null"])
        #expect(spec.traffic.customers == nil)
        #expect(spec.service("order")?.maxWorkers == 8, "without max_workers the maximum is the workers")
        #expect(spec.traffic.app.timeout == nil)
        #expect(spec.service("order")?.calls.policy(for: "inventory").timeout == nil)
        let base = try read([])
        #expect(base.traffic.app.timeout == .seconds(5))
        #expect(base.service("order")?.calls.policy(for: "inventory").timeout == .seconds(1))
    }

    @Test("overrides apply to the shipped baseline world")
    func baseline() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("worlds/baseline.json")
        let bytes = Array(try Data(contentsOf: path))
        let plain = try WorldJSON.read(bytes, file: "worlds/baseline.json", with: WorldSpec.reader)
        let spec = try WorldJSON.read(bytes, file: "worlds/baseline.json",
                                      overrides: ["services.order.workers=128", "traffic.customers=5"], with: WorldSpec.reader)
        #expect(spec.service("order")?.workers == 128 && plain.service("order")?.workers != 128)
        #expect(spec.traffic.customers == 5)
        var restored = spec
        restored.services = plain.services
        restored.traffic.customers = plain.traffic.customers
        #expect(restored == plain, "nothing else changed")
    }

    @Test("invalid overrides are reported clearly", arguments: [
        (["services..workers=1"], [#"--set #1: invalid path "services..workers": expected a field name, found '.'"#]),
        (["faults[x].at=1m"], [#"--set #1: invalid path "faults[x].at": expected an index or a quoted key after '[', found 'x'"#]),
        (["seed"], [#"--set #1: expected path=value, found "seed""#]),
        (["=3"], [#"--set #1: missing path before '=' in "=3""#]),
        (["services.ordr.workers=4"], [#"--set #1: no field "ordr" at $.services (did you mean "order"?)"#]),
        (["services.order.wokers=4"], [#"--set #1: $.services.order.wokers: unknown field "wokers" (did you mean "workers"?)"#]),
        (["services.order.workers=many"],
         [#"--set #1: $.services.order.workers: expected an integer between 1 and 1000000, found string "many""#]),
        (["faults[0].at=12q"],
         [#"--set #1: $.faults[0].at: expected a duration >= 0s, found string "12q": unknown unit "q" (units: h, m, s, ms, us (or µs), ns)"#]),
        (["faults[5].at=1m"], ["--set #1: index 5 is out of range at $.faults (array of 2)"]),
        (["traffic.rate[0]=1/s"], [#"--set #1: no array at $.traffic.rate (found string "2/s")"#]),
        (["services.order.workers.x=1"], ["--set #1: no object at $.services.order.workers (found number 8)"]),
        (["services.order=null"], ["--set #1: $.services.order: expected an object, found null"]),
        (["services={}"], ["--set #1: $.services: expected at least one service, found empty object"]),
        (["seed=1", "faults[9].at=1m", "name=", "services.x.y=1"],
         ["--set #2: index 9 is out of range at $.faults (array of 2)", #"--set #4: no field "x" at $.services (a --set adds only the last key of its path: to add "x", set it whole, as in --set '$.services.x={...}')"#]),
        (["services.order.workers=128", "services.order.workers=0"],
         ["--set #2: $.services.order.workers: expected an integer between 1 and 1000000, found number 0"]),
    ] as [([String], [String])])
    func invalid(_ overrides: [String], _ expected: [String]) throws {
        let error = try #require(diagnostics(baseWorld, overrides: overrides))
        #expect(error.diagnostics.map(\.description) == expected)
    }
}
