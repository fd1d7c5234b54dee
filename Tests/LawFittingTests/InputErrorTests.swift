import Foundation
import Testing
@testable import LawFitting
import ScalingLaws

/// Bad measurement input: every error names the file, and where it applies the line (header =
/// line 1), the column and the value, and says what to do.
@Suite struct InputErrorTests {
    // MARK: Files

    @Test func missingFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-runs.csv").path
        #expect(throws: MeasurementInputError.fileNotFound(file: path)) {
            try MeasurementReader().read(path: path)
        }
        expectMessage(.fileNotFound(file: path), contains: ["no-such-runs.csv", "no such file"])
    }

    @Test func directoryIsUnreadable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runs-\(UUID().uuidString).csv")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try MeasurementReader().read(path: dir.path)
            Issue.record("a directory must not read")
        } catch {
            expectMessage(error, contains: [dir.lastPathComponent, "cannot read", "directory"])
        }
    }

    @Test func unknownExtension() throws {
        let error = try InputFixtures.error("params,loss\n1e8,3\n", as: "runs.txt")
        expectMessage(error, contains: ["runs.txt", "'.txt'", ".csv", ".jsonl", "--format"])
    }

    @Test func emptyFiles() throws {
        expectMessage(try InputFixtures.error("", as: "empty.csv"), contains: ["empty.csv", "empty", "header line"])
        expectMessage(try InputFixtures.error("\n\r\n\n", as: "blank.csv"), contains: ["blank.csv", "empty"])
        expectMessage(try InputFixtures.error("\n\n", as: "blank.jsonl"),
                      contains: ["blank.jsonl", "empty", "one JSON object per line"])
    }

    @Test func headerOnly() throws {
        let error = try InputFixtures.error("params,tokens,loss\r\n\r\n", as: "header.csv")
        guard case let .headerOnly(_, columns)? = error else {
            Issue.record("expected .headerOnly, got \(String(describing: error))")
            return
        }
        #expect(columns == ["params", "tokens", "loss"])
        expectMessage(error, contains: ["header.csv", "only a header", "params, tokens, loss", "no data rows"])
    }

    // MARK: CSV structure

    @Test func rowWithWrongFieldCount() throws {
        let error = try InputFixtures.error("params,tokens,loss\n1e8,2e9,3.5\n2e8,4e9\n", as: "short.csv")
        expectMessage(error, contains: ["short.csv, line 3", "2 fields", "header has 3"])
        let extra = try InputFixtures.error("params,tokens,loss\n1e8,2e9,3.5,9\n", as: "long.csv")
        expectMessage(extra, contains: ["long.csv, line 2", "4 fields", "header has 3"])
    }

    @Test func unterminatedQuote() throws {
        let error = try InputFixtures.error("params,loss\n1e8,3.5\n\"2e8,3\n", as: "open.csv")
        expectMessage(error, contains: ["open.csv, line 3", "never closed"])
    }

    @Test func strayQuotes() throws {
        let after = try InputFixtures.error("params,loss\n\"1e8\"x,3.5\n", as: "after.csv")
        expectMessage(after, contains: ["after.csv, line 2", "text 'x' after a closing quote"])
        let inside = try InputFixtures.error("params,loss\n1e\"8,3.5\n", as: "inside.csv")
        expectMessage(inside, contains: ["inside.csv, line 2", "quote inside an unquoted field"])
    }

    // MARK: Columns

    @Test func missingRequiredColumnListsWhatWasFound() throws {
        let error = try InputFixtures.error("params,loss,notes\n1e8,3.5,x\n", as: "nod.csv",
                                            requiring: [.parameters, .tokens])
        expectMessage(error, contains: [
            "nod.csv: no column for D (tokens): looked for tokens, D, n_tokens",
            "train_dataset_size, dataset_size",
            "found columns: params, loss, notes",
            "name it with --d-column",
        ])
    }

    @Test func missingLossColumn() throws {
        let error = try InputFixtures.error("params,tokens\n1e8,2e9\n", as: "noloss.csv")
        expectMessage(error, contains: ["noloss.csv", "no column for loss", "val_loss", "--loss-column"])
    }

    @Test func namedColumnThatDoesNotExist() throws {
        let error = try InputFixtures.error("params,tokens,loss\n1e8,2e9,3\n", as: "named.csv",
                                            mapping: ColumnMapping(tokens: "toks"))
        guard case let .namedColumnNotFound(_, name, option, available)? = error else {
            Issue.record("expected .namedColumnNotFound, got \(String(describing: error))")
            return
        }
        #expect(name == "toks" && option == "--d-column" && available == ["params", "tokens", "loss"])
        expectMessage(error, contains: ["named.csv", "no column 'toks'", "--d-column",
                                        "found columns: params, tokens, loss"])
    }

    @Test func emptyNeededValue() throws {
        let error = try InputFixtures.error("params,tokens,loss\n1e8,2e9,3.5\n2e8,,3.2\n", as: "hole.csv",
                                            requiring: [.tokens])
        expectMessage(error, contains: ["hole.csv, line 3, column 'tokens'", "no value for D (tokens)"])
        let loss = try InputFixtures.error("params,loss\n1e8,\n", as: "noloss.csv")
        expectMessage(loss, contains: ["noloss.csv, line 2, column 'loss'", "no value for loss"])
    }

    @Test func underivableTokensNameTheEmptyInput() throws {
        let error = try InputFixtures.error("N,C,L\n1e8,1.2e18,3.5\n2e8,,3.2\n", as: "noc.csv",
                                            requiring: [.tokens])
        expectMessage(error, contains: ["noc.csv, line 3, column 'C'", "no value for C (FLOPs)"])
    }

    // MARK: Values

    @Test func nonNumericValue() throws {
        let error = try InputFixtures.error("params,tokens,loss\n1e8,2e9,3.5\n2e8,4e9,n/a\n", as: "text.csv")
        expectMessage(error, contains: ["text.csv, line 3, column 'loss'", "'n/a' is not a number"])
        let first = try InputFixtures.error("loss,params,tokens\n1,x,y\n", as: "two.csv")
        expectMessage(first, contains: ["two.csv, line 2, column 'params'", "'x'"])  // leftmost bad cell
        let comma = try InputFixtures.error("params,loss\n\"1,000\",3\n", as: "comma.csv")
        expectMessage(comma, contains: ["comma.csv, line 2, column 'params'", "'1,000'"])
    }

    @Test func nanAndInfinityAreRejected() throws {
        for (value, name) in [("nan", "nan.csv"), ("inf", "inf.csv"), ("-Infinity", "neginf.csv")] {
            let error = try InputFixtures.error("params,loss\n1e8,3\n\(value),3\n", as: name)
            expectMessage(error, contains: ["\(name), line 3, column 'params'", "'\(value)' is not a finite number"])
        }
    }

    @Test func nonPositiveScalesAreRejected() throws {
        let cases: [(String, String, String)] = [
            ("params,tokens,loss\n0,2e9,3\n", "params", "N (parameters) must be positive but is '0'"),
            ("params,tokens,loss\n1e8,-2e9,3\n", "tokens", "D (tokens) must be positive but is '-2e9'"),
            ("params,flops,loss\n1e8,0.0,3\n", "flops", "C (FLOPs) must be positive but is '0.0'"),
            ("params,unique_tokens,loss\n1e8,-1,3\n", "unique_tokens", "U (unique tokens) must be positive but is '-1'"),
        ]
        for (text, column, phrase) in cases {
            let error = try InputFixtures.error(text, as: "scale.csv")
            expectMessage(error, contains: ["scale.csv, line 2, column '\(column)'", phrase])
        }
    }

    @Test func nonPositiveLossIsRejected() throws {
        let zero = try InputFixtures.error("params,loss\n1e8,3\n1e8,0\n", as: "zero.csv")
        expectMessage(zero, contains: ["zero.csv, line 3, column 'loss'", "loss must be positive but is '0'"])
        let negative = try InputFixtures.error("{\"params\":1e8,\"loss\":-0.5}\n", as: "neg.jsonl")
        expectMessage(negative, contains: ["neg.jsonl, line 1, column 'loss'", "'-0.5'"])
    }

    // MARK: JSON Lines

    @Test func malformedJSONLine() throws {
        let text = "{\"params\":1e8,\"loss\":3}\n\n{\"params\":2e8,\"loss\":3.1\n"
        let error = try InputFixtures.error(text, as: "broken.jsonl")
        expectMessage(error, contains: ["broken.jsonl, line 3", "not valid JSON", "end of file",
                                        "in {\"params\":2e8"])
        let nan = try InputFixtures.error("{\"params\": NaN, \"loss\": 3}\n", as: "nan.jsonl")
        expectMessage(nan, contains: ["nan.jsonl, line 1", "not valid JSON", "Invalid value"])
    }

    @Test func jsonLineThatIsNotAnObject() throws {
        let error = try InputFixtures.error("{\"params\":1e8,\"loss\":3}\n[1, 2]\n", as: "array.jsonl")
        expectMessage(error, contains: ["array.jsonl, line 2", "found an array", "one object per line"])
    }

    @Test func jsonValueThatCannotBeANumber() throws {
        let error = try InputFixtures.error("{\"params\":true,\"loss\":3}\n", as: "bool.jsonl")
        expectMessage(error, contains: ["bool.jsonl, line 1, column 'params'", "'true' is not a number"])
        let missing = try InputFixtures.error("{\"params\":1e8,\"loss\":3}\n{\"params\":2e8}\n", as: "gap.jsonl")
        expectMessage(missing, contains: ["gap.jsonl, line 2, column 'loss'", "no value for loss"])
    }

    // MARK: Point count

    @Test func tooFewPointsForTheLaw() throws {
        let text = "params,tokens,loss\n1e8,2e9,3.5\n2e8,4e9,3.3\n4e8,8e9,3.1\n"
        let path = try InputFixtures.write(text, as: "three.csv")
        defer { InputFixtures.remove(path) }
        let set = try MeasurementReader().read(path: path)
        #expect(throws: MeasurementInputError.tooFewPoints(file: path, law: "chinchilla", parameters: 5, points: 3)) {
            try validatePointCount(set, parameters: 5, law: "chinchilla")
        }
        expectMessage(.tooFewPoints(file: path, law: "chinchilla", parameters: 5, points: 3), contains: [
            "law chinchilla has 5 parameters but \(path) has 3 usable rows; need at least 6",
        ])
        try validatePointCount(set, parameters: 2, law: "power-n")          // 3 > 2: enough
        #expect(throws: MeasurementInputError.self) { try validatePointCount(set, parameters: 3, law: "x") }
    }

    @Test func pointCountForALawCountsRowsWithItsVariables() throws {
        // Six rows, but only five have D: Chinchilla (5 parameters) needs six with N and D.
        var rows = (1...5).map { "\($0)e8,\($0)e9,3.\($0)" }
        rows.append("6e8,,3.6")
        let set = try InputFixtures.read("params,tokens,loss\n" + rows.joined(separator: "\n"), as: "six.csv")
        #expect(set.count == 6)
        do {
            try validatePointCount(set, for: ChinchillaLaw())
            Issue.record("five usable rows must not be enough for five parameters")
        } catch {
            expectMessage(error, contains: ["law chinchilla has 5 parameters", "has 5 usable rows", "need at least 6"])
        }
        try validatePointCount(set, for: SaturatingPowerLaw(variable: .parameters))
    }
}
