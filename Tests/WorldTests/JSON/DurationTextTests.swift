import SimKernel
import Testing
@testable import World

@Suite("Durations")
struct DurationTextTests {
    @Test("valid durations are exact nanoseconds", arguments: [
        ("250ms", Int64(250_000_000)), ("8.2s", 8_200_000_000), ("30m", 1_800_000_000_000), ("1h", 3_600_000_000_000),
        ("1h30m", 5_400_000_000_000), ("100us", 100_000), ("100µs", 100_000), ("100μs", 100_000), ("5ns", 5), ("0", 0),
        ("0s", 0), ("0.5us", 500), ("1.000000001s", 1_000_000_001), ("2m0.5s", 120_500_000_000), ("1s500ms", 1_500_000_000),
        ("1h1m1s1ms1us1ns", 3_661_001_001_001), ("0.1h", 360_000_000_000), ("1.5ms", 1_500_000), ("007s", 7_000_000_000),
        ("2562047h47m16.854775807s", .max),
    ] as [(String, Int64)])
    func valid(_ text: String, _ nanoseconds: Int64) throws {
        #expect(try DurationText.parseNanoseconds(text) == nanoseconds)
        #expect(try DurationText.parse(text) == .nanoseconds(nanoseconds))
    }

    @Test("invalid durations explain themselves", arguments: [
        ("", "empty duration", nil),
        ("-1s", "durations cannot be negative", nil),
        ("+1s", "a duration has no sign", nil),
        ("250", "missing unit after 250 (units: h, m, s, ms, us (or µs), ns)", nil),
        ("1h30", "missing unit after 30 (units: h, m, s, ms, us (or µs), ns)", nil),
        ("30q", #"unknown unit "q" (units: h, m, s, ms, us (or µs), ns)"#, nil),
        ("5sec", #"unknown unit "sec" (units: h, m, s, ms, us (or µs), ns)"#, "5s"),
        ("5 seconds", "unexpected space after 5", "5s"),
        ("8.2 s", "unexpected space after 8.2", "8.2s"),
        ("5S", #"unknown unit "S" (units: h, m, s, ms, us (or µs), ns)"#, "5s"),
        ("1H30M", #"unknown unit "H" (units: h, m, s, ms, us (or µs), ns)"#, "1h30m"),
        ("2 min", "unexpected space after 2", "2m"),
        ("0.5ns", #""0.5ns" is not a whole number of nanoseconds"#, nil),
        ("0.0000000001s", #""0.0000000001s" is not a whole number of nanoseconds"#, nil),
        ("1m1h", #"unit "h" out of order: units go from larger to smaller, each at most once (e.g. "1h30m")"#, nil),
        ("1s1s", #"unit "s" out of order: units go from larger to smaller, each at most once (e.g. "1h30m")"#, nil),
        ("2562048h", "duration is too long (at most about 292 years)", nil),
        ("2562047h47m16.854775808s", "duration is too long (at most about 292 years)", nil),
        ("99999999999999999999s", "duration is too long (at most about 292 years)", nil),
        ("abc", "expected a number, found 'a'", nil),
        (".5s", "expected a number, found '.'", nil),
        ("1.s", #"expected a digit after the decimal point in "1.""#, nil),
        ("1s/", "expected a number, found '/'", nil),
        ("1e3s", #"unknown unit "e" (units: h, m, s, ms, us (or µs), ns)"#, nil),
        ("1d", #"unknown unit "d" (units: h, m, s, ms, us (or µs), ns)"#, nil),
    ] as [(String, String, String?)])
    func invalid(_ text: String, _ detail: String, _ suggestion: String?) {
        do {
            let value = try DurationText.parseNanoseconds(text)
            Issue.record("\(text) parsed as \(value)")
        } catch {
            #expect(error.detail == detail)
            #expect(error.suggestion == suggestion)
        }
    }

    @Test("formatting is the shortest exact form", arguments: [
        (Int64(0), "0s"), (5, "5ns"), (1_500, "1.5us"), (250_000_000, "250ms"), (8_200_000_000, "8.2s"),
        (60_000_000_000, "1m"), (5_400_000_000_000, "1h30m"), (120_500_000_000, "2m0.5s"), (1_000_000_001, "1.000000001s"),
        (-250_000_000, "-250ms"),
    ] as [(Int64, String)])
    func format(_ nanoseconds: Int64, _ text: String) {
        #expect(DurationText.format(nanoseconds: nanoseconds) == text)
        #expect(DurationText.format(.nanoseconds(nanoseconds)) == text)
    }

    @Test("format then parse is the identity for 2,000 seeded random durations")
    func formatRoundTrip() throws {
        var random = RandomStream(seed: 7, name: "durations")
        for _ in 0..<2_000 {
            // Spread over every magnitude from nanoseconds to centuries.
            let magnitude = random.nextInt(below: 63)
            let nanoseconds = Int64(bitPattern: random.next() >> UInt64(64 - max(1, magnitude))) & .max
            let text = DurationText.format(nanoseconds: nanoseconds)
            #expect(try DurationText.parseNanoseconds(text) == nanoseconds, "\(text)")
        }
    }

    @Test("the duration reader accepts strings and the number 0, with located errors", arguments: [
        (#"{"d": "1.5s"}"#, nil),
        (#"{"d": 0}"#, nil),
        (#"{"d": 250}"#, #"w.json:1:7: $.d: expected a duration such as "250ms", found number 250: a duration needs a unit, as a string"#),
        (#"{"d": -1}"#, #"w.json:1:7: $.d: expected a duration such as "250ms", found number -1"#),
        (#"{"d": "5sec"}"#, #"w.json:1:7: $.d: expected a duration such as "250ms", found string "5sec": unknown unit "sec" (units: h, m, s, ms, us (or µs), ns) (did you mean "5s"?)"#),
        (#"{"d": true}"#, #"w.json:1:7: $.d: expected a duration such as "250ms", found boolean true"#),
    ] as [(String, String?)])
    func reader(_ text: String, _ message: String?) throws {
        let reader = ValueReader<Duration>.object { o in o.required("d", .duration) }
        if let message {
            #expect(readFailure(text, reader)?.description == message)
        } else {
            #expect(readFailure(text, reader) == nil)
        }
    }

    @Test("bounded duration readers")
    func bounds() throws {
        let atLeast = ValueReader<Duration>.object { o in o.required("d", .duration(atLeast: .milliseconds(1))) }
        #expect(readFailure(#"{"d": "500us"}"#, atLeast)?.description == #"w.json:1:7: $.d: expected a duration >= 1ms, found string "500us""#)
        #expect(try read(#"{"d": "1ms"}"#, atLeast) == .milliseconds(1))
        let within = ValueReader<Duration>.object { o in o.required("d", .duration(in: .seconds(1) ... .seconds(3600))) }
        #expect(readFailure(#"{"d": "2h"}"#, within)?.description == #"w.json:1:7: $.d: expected a duration between 1s and 1h, found string "2h""#)
        #expect(try read(#"{"d": "1h"}"#, within) == .seconds(3600))
        let seconds = try read(#"{"d": "8.2s"}"#, .object { o in o.required("d", .durationSeconds) })
        #expect(seconds == 8.2)
    }
}

@Suite("Rates and ratios")
struct RateRatioTests {
    @Test("rates in events per second", arguments: [
        ("7.2/s", 7.2), ("100/min", 100.0 / 60), ("100/m", 100.0 / 60), ("2000/h", 2000.0 / 3600), ("50/10s", 5),
        ("5/ms", 5000), ("3/us", 3e6), ("1/ns", 1e9), ("0/s", 0), ("1e6/s", 1e6), ("1/1h30m", 1.0 / 5400), ("1/250ms", 4),
    ] as [(String, Double)])
    func rates(_ text: String, _ perSecond: Double) throws {
        #expect(try RateText.parse(text) == perSecond)
    }

    @Test("invalid rates explain themselves", arguments: [
        ("", "empty rate", nil),
        ("-1/s", "rates cannot be negative", nil),
        ("7.2", "no period after the count", "7.2/s"),
        ("5/sec", #"unknown period "sec" (use s, min, h, ms, us, ns or a duration such as 10s)"#, "5/s"),
        ("5/S", #"unknown period "S" (use s, min, h, ms, us, ns or a duration such as 10s)"#, "5/s"),
        ("5 / s", "unexpected space in rate", "5/s"),
        ("5qps", #"expected count/period such as "7.2/s""#, "5/s"),
        ("fast", #"expected count/period such as "7.2/s""#, nil),
        ("x/s", #"expected a non-negative number before '/', found "x""#, nil),
        ("5/0s", "the period must be longer than zero", nil),
        ("5/10q", #"invalid period "10q": unknown unit "q" (units: h, m, s, ms, us (or µs), ns)"#, nil),
        ("1e308/ns", "rate is too large", nil),
    ] as [(String, String, String?)])
    func invalidRates(_ text: String, _ detail: String, _ suggestion: String?) {
        do {
            let value = try RateText.parse(text)
            Issue.record("\(text) parsed as \(value)")
        } catch {
            #expect(error.detail == detail)
            #expect(error.suggestion == suggestion)
        }
    }

    @Test("the rate reader accepts bare numbers per second")
    func rateReader() throws {
        let reader = ValueReader<Double>.object { o in o.required("r", .rate) }
        #expect(try read(#"{"r": 12.5}"#, reader) == 12.5)
        #expect(RateText.format(perSecond: 7.2) == "7.2/s" && RateText.format(perSecond: 2000) == "2000/s")
        #expect(try RateText.parse(RateText.format(perSecond: 100.0 / 60)) == 100.0 / 60)
        #expect(try read(#"{"r": "100/min"}"#, reader) == 100.0 / 60)
        #expect(readFailure(#"{"r": -3}"#, reader)?.description
            == #"w.json:1:7: $.r: expected a rate such as "7.2/s" (or a number per second), found number -3"#)
        let positive = ValueReader<Double>.object { o in o.required("r", .positiveRate) }
        #expect(readFailure(#"{"r": "0/s"}"#, positive)?.description
            == #"w.json:1:7: $.r: expected a rate > 0 such as "7.2/s" (or a number per second), found string "0/s""#)
    }

    @Test("percentages and plain ratios", arguments: [("20%", 0.2), ("12.5%", 0.125), ("33.3%", 0.333), ("100%", 1), ("0%", 0), ("1e1%", 0.1)] as [(String, Double)])
    func ratios(_ text: String, _ value: Double) throws {
        #expect(try RatioText.parse(text) == value)
    }

    @Test("invalid ratios explain themselves", arguments: [
        ("120%", "a percentage must be at most 100%", nil),
        ("-5%", "a ratio cannot be negative", nil),
        ("20", "missing '%'", "20%"),
        ("0.2", "a ratio in a string needs '%' (or write the number 0.2 without quotes)", "0.2"),
        ("x%", #"expected a number before '%', found "x""#, nil),
        ("20 %", #"expected a number before '%', found "20 ""#, "20%"),
        ("half", #"expected a percentage such as "20%""#, nil),
    ] as [(String, String, String?)])
    func invalidRatios(_ text: String, _ detail: String, _ suggestion: String?) {
        do {
            let value = try RatioText.parse(text)
            Issue.record("\(text) parsed as \(value)")
        } catch {
            #expect(error.detail == detail)
            #expect(error.suggestion == suggestion)
        }
    }

    @Test("the ratio reader", arguments: [
        (#"{"p": 0.25}"#, nil),
        (#"{"p": "25%"}"#, nil),
        (#"{"p": 20}"#, #"w.json:1:7: $.p: expected a ratio such as "20%" or 0.2, found number 20: a ratio is between 0 and 1 (did you mean "20%"?)"#),
        (#"{"p": -0.1}"#, #"w.json:1:7: $.p: expected a ratio such as "20%" or 0.2, found number -0.1: a ratio is between 0 and 1"#),
        (#"{"p": "0.2"}"#, #"w.json:1:7: $.p: expected a ratio such as "20%" or 0.2, found string "0.2": a ratio in a string needs '%' (or write the number 0.2 without quotes) (did you mean 0.2?)"#),
        (#"{"p": [20]}"#, #"w.json:1:7: $.p: expected a ratio such as "20%" or 0.2, found array of 1"#),
    ] as [(String, String?)])
    func ratioReader(_ text: String, _ message: String?) throws {
        let reader = ValueReader<Double>.object { o in o.required("p", .ratio) }
        if let message {
            #expect(readFailure(text, reader)?.description == message)
        } else {
            #expect(try read(text, reader) == 0.25)
        }
    }
}
