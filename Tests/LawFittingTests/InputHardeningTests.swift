import Foundation
import Testing
@testable import LawFitting
import ScalingLaws

/// Issue 18: input that used to slip through (non-finite derived values, ambiguous columns) or
/// that made the reader slow or its messages huge.
@Suite struct InputHardeningTests {
    // MARK: Derived values

    /// N·D overflows: C = 6ND would be inf and the store would keep it.
    @Test func derivedComputeThatOverflowsIsRefused() throws {
        let error = try InputFixtures.error("params,tokens,loss\n1e8,2e9,3.1\n1e200,2e200,3.0\n", as: "huge.csv",
                                            requiring: [.parameters, .tokens, .compute])
        expectMessage(error, contains: ["huge.csv", "line 3", "C (FLOPs)", "6ND", "1e+200", "2e+200", "add a C column"])
    }

    /// C/(6N) underflows to 0 or overflows to inf.
    @Test func derivedTokensOutOfRangeAreRefused() throws {
        let over = try InputFixtures.error("params,flops,loss\n1e-300,1e300,3.0\n", as: "over.csv",
                                           requiring: [.parameters, .tokens])
        expectMessage(over, contains: ["over.csv", "line 2", "D (tokens)", "C/(6N)"])
        let under = try InputFixtures.error("params,flops,loss\n1e300,1e-300,3.0\n", as: "under.csv",
                                            requiring: [.parameters, .tokens])
        expectMessage(under, contains: ["under.csv", "line 2", "D (tokens)", "C/(6N)"])
    }

    // MARK: Long values

    /// A 10 MB cell is refused at once, and the message quotes only its start and its size.
    @Test func hugeCellIsRejectedQuicklyWithAShortMessage() throws {
        let huge = String(repeating: "9", count: 10_000_000)
        let text = "params,tokens,loss\n1e8,2e9,3.1\n1e8,\(huge),3.0\n"
        let start = Date()
        let error = try InputFixtures.error(text, as: "huge-cell.csv")
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 3, "took \(seconds) s")
        expectMessage(error, contains: ["huge-cell.csv", "line 3", "column 'tokens'", "10000000 bytes", "not a number"])
        #expect((error?.description.utf8.count ?? 0) < 400, "message is \(error?.description.utf8.count ?? 0) bytes")
    }

    @Test func hugeJSONStringIsQuotedShort() throws {
        let huge = String(repeating: "x", count: 1_000_000)
        let error = try InputFixtures.error("{\"params\": 1e8, \"tokens\": \"\(huge)\", \"loss\": 3}\n", as: "huge.jsonl")
        expectMessage(error, contains: ["huge.jsonl", "line 1", "column 'tokens'", "1000000 bytes"])
        #expect((error?.description.utf8.count ?? 0) < 400)
    }

    /// Every message that quotes input is capped: column names, malformed JSON, positive checks.
    @Test func otherQuotesAreCapped() throws {
        let longName = String(repeating: "c", count: 100_000)
        let missing = try InputFixtures.error("\(longName),loss\n1,2\n", as: "names.csv", requiring: [.parameters])
        expectMessage(missing, contains: ["names.csv", "no column for N", "100000 bytes"])
        #expect((missing?.description.utf8.count ?? 0) < 1000)
        let emptyLoss = try InputFixtures.error("params,tokens,\(longName)\n1e8,2e9,\n", as: "empty.csv",
                                                mapping: ColumnMapping(loss: longName))
        expectMessage(emptyLoss, contains: ["empty.csv", "line 2", "no value for loss", "100000 bytes"])
        #expect((emptyLoss?.description.utf8.count ?? 0) < 1000)
        let negative = "-" + String(repeating: "1", count: 45) + "." + String(repeating: "0", count: 45)
        let neg = try InputFixtures.error("params,tokens,loss\n\(negative),2e9,3\n", as: "neg.csv")
        expectMessage(neg, contains: ["neg.csv", "line 2", "must be positive", "92 bytes"])
        let junk = "{\"params\": 1e8, \"loss\": " + String(repeating: "[", count: 100_000) + "\n"
        let bad = try InputFixtures.error(junk, as: "junk.jsonl")
        expectMessage(bad, contains: ["junk.jsonl", "line 1", "not valid JSON"])
        #expect((bad?.description.utf8.count ?? 0) < 600)
    }

    /// Found by libFuzzer (fuzz/regressions/csv): a header of many long names listed every one of
    /// 40 names at up to 80 characters each; a message of several kilobytes. The list now stops
    /// after about 600 bytes and says how many columns there are.
    @Test func aListOfManyLongColumnNamesStaysShort() throws {
        let names = (0..<45).map { "col\($0)_" + String(repeating: "\u{e9}", count: 40) + String(repeating: "x", count: 40) }
        let headerOnly = try InputFixtures.error(names.joined(separator: ",") + "\n", as: "wide.csv")
        expectMessage(headerOnly, contains: ["wide.csv", "only a header", "col0_", "(45 columns)"])
        #expect((headerOnly?.description.utf8.count ?? 0) < 1000)
        let missing = try InputFixtures.error(names.joined(separator: ",") + "\n" + names.map { _ in "1" }.joined(separator: ",") + "\n",
                                              as: "wide.csv", requiring: [.parameters])
        expectMessage(missing, contains: ["wide.csv", "no column for N", "(45 columns)"])
        #expect((missing?.description.utf8.count ?? 0) < 1000)
        // A few short names are all listed.
        let short = try InputFixtures.error("a,b,c\n", as: "short.csv")
        expectMessage(short, contains: ["only a header (a, b, c)"])
    }

    /// One character with a million combining marks is still quoted short.
    @Test func oneHugeCharacterIsQuotedShort() throws {
        let mark = "e" + String(repeating: "\u{301}", count: 1_000_000)
        let error = try InputFixtures.error("params,tokens,loss\n1e8,\(mark),3\n", as: "marks.csv")
        expectMessage(error, contains: ["marks.csv", "line 2", "column 'tokens'", "2000001 bytes"])
        #expect((error?.description.utf8.count ?? 0) < 600)
    }

    // MARK: JSON numbers out of range

    @Test func jsonNumberOutOfRangeSaysSo() throws {
        let error = try InputFixtures.error("{\"params\": 1e8, \"tokens\": 1e400, \"loss\": 3}\n", as: "big.jsonl")
        expectMessage(error, contains: ["big.jsonl", "line 1", "column 'tokens'", "out of range", "Double"])
        #expect(error?.description.contains("an object") == false)
    }

    // MARK: Ambiguous columns

    @Test func repeatedCSVColumnIsAmbiguous() throws {
        let error = try InputFixtures.error("params,loss,tokens,loss\n1e8,3.1,2e9,3.2\n", as: "twice.csv")
        expectMessage(error, contains: ["twice.csv", "'loss'", "columns 2 and 4", "rename"])
    }

    /// `val_loss` and `Val Loss` are the same name once folded: which one is the loss?
    @Test func columnsEqualAfterFoldingAreAmbiguous() throws {
        let error = try InputFixtures.error("params,tokens,val_loss,Val Loss\n1e8,2e9,3.1,3.2\n", as: "fold.csv")
        expectMessage(error, contains: ["fold.csv", "'val_loss'", "'Val Loss'", "columns 3 and 4"])
    }

    @Test func repeatedJSONKeyIsAmbiguous() throws {
        let text = "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3}\n{\"params\": 1e8, \"loss\": 3, \"tokens\": 2e9, \"loss\": 4}\n"
        let error = try InputFixtures.error(text, as: "twice.jsonl")
        expectMessage(error, contains: ["twice.jsonl", "line 2", "'loss'", "keys 2 and 4"])
    }

    /// Keys inside nested values and strings that look like keys are not top-level keys.
    @Test func nestedKeysAreNotRepeats() throws {
        let text = #"{"params": 1e8, "tokens": 2e9, "loss": 3, "meta": {"loss": 1, "note": "\"loss\": 2"}}"# + "\n"
        let set = try InputFixtures.read(text, as: "nested.jsonl")
        #expect(set.measurements.first?.loss == 3)
    }

    /// A file fine before the change still reads.
    @Test func escapedKeysStillRead() throws {
        let text = #"{"par\u0061ms": 1e8, "tokens": 2e9, "loss": 3}"# + "\n"
        let set = try InputFixtures.read(text, as: "escaped.jsonl")
        #expect(set.measurements.first?.parameters == 1e8)
    }
}
