import Foundation
import Testing
@testable import LawFitting
import ScalingLaws

/// Row filters (`--where`), grouping (`--group-by`) and the warnings that a file is several sweeps.
@Suite struct RowSelectionTests {
    /// A small file: two tokenizers over the same sizes, a learning rate written two ways.
    let runs = """
        params,tokens,tokenizer,lr,loss
        1e8,2e9,bpe,0.001,3.10
        1e8,2e9,char,1e-3,3.60
        2e8,4e9,bpe,0.01,2.90
        2e8,4e9,char,0.001,3.40
        4e8,8e9,bpe,1E-3,2.70
        4e8,8e9,char,0.01,3.20
        """

    func read(_ text: String, _ conditions: [String] = [], groupBy: [String] = [], name: String = "runs.csv",
              mapping: ColumnMapping = ColumnMapping()) throws -> [MeasurementSet] {
        let path = try InputFixtures.write(text, as: name)
        defer { InputFixtures.remove(path) }
        let selection = RowSelection(conditions: try conditions.map { try RowCondition(parsing: $0) }, groupBy: groupBy)
        return try MeasurementReader(mapping: mapping, selection: selection).readGroups(path: path)
    }

    /// The message of the error `body` throws.
    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        Issue.record("expected an error")
        return ""
    }

    // MARK: Conditions

    @Test func conditionsParse() throws {
        #expect(try RowCondition(parsing: "lr=0.001") == RowCondition(column: "lr", values: ["0.001"]))
        #expect(try RowCondition(parsing: " tokenizer != char ") == RowCondition(column: "tokenizer", values: ["char"], negated: true))
        #expect(try RowCondition(parsing: "tokenizer=bpe,sp") == RowCondition(column: "tokenizer", values: ["bpe", "sp"]))
        #expect(try RowCondition(parsing: "a=b=c").values == ["b=c"], "only the first '=' splits")
        for bad in ["lr", "=0.001", "lr=", "lr=a,", "!=x", ""] {
            #expect(throws: MeasurementInputError.malformedCondition(bad)) { try RowCondition(parsing: bad) }
        }
        #expect("\(MeasurementInputError.malformedCondition("lr"))".contains("COL=VALUE"))
    }

    @Test func numbersCompareAsNumbersAndTextAsWritten() throws {
        let set = try #require(read(runs, ["lr=0.001"]).first)
        #expect(set.count == 4, "0.001, 1e-3 and 1E-3 are one number")
        #expect(set.measurements.map(\.loss) == [3.10, 3.60, 3.40, 2.70])
        #expect(set.source.hasSuffix("runs.csv [lr=0.001]"))
        #expect(set.group == nil)
        let text = message { _ = try read(runs, ["tokenizer=BPE"]) }
        #expect(text.contains("no row has tokenizer=BPE"), "text is compared as written, case included")
    }

    @Test func negationAnyOfAndConditionsAnded() throws {
        #expect(try read(runs, ["tokenizer!=char"])[0].measurements.map(\.loss) == [3.10, 2.90, 2.70])
        #expect(try read(runs, ["lr=0.01,1e-3"])[0].count == 6)
        let both = try read(runs, ["tokenizer=char", "lr!=0.001"])[0]
        #expect(both.measurements.map(\.loss) == [3.20])
        #expect(both.source.hasSuffix("[tokenizer=char, lr!=0.001]"))
    }

    @Test func columnNamesMatchLikeQuantityColumns() throws {
        #expect(try read(runs, ["Token-izer=bpe"])[0].count == 3, "case, spaces, '_' and '-' ignored")
    }

    // MARK: Errors

    @Test func unknownColumnListsTheColumns() {
        let text = message { _ = try read(runs, ["seed=1"]) }
        #expect(text.contains("no column 'seed' (from --where)"))
        #expect(text.contains("params, tokens, tokenizer, lr, loss"))
        let group = message { _ = try read(runs, groupBy: ["optimizer"]) }
        #expect(group.contains("no column 'optimizer' (from --group-by)"))
    }

    @Test func aConditionSelectingNothingShowsTheValues() {
        let text = message { _ = try read(runs, ["tokenizer=sp"]) }
        #expect(text.hasSuffix("no row has tokenizer=sp; column 'tokenizer' has the values bpe, char"))
        // The values shown are those left by the earlier conditions.
        let later = message { _ = try read(runs, ["tokenizer=bpe", "lr=0.5"]) }
        #expect(later.hasSuffix("column 'lr' has the values 0.001, 0.01"))
        let many = "id,params,tokens,loss\n" + (1...15).map { "r\($0),1e8,2e9,3" }.joined(separator: "\n")
        let shown = message { _ = try read(many, ["id=x"]) }
        #expect(shown.contains("… (15 values)"), "at most 10 values are shown")
    }

    @Test func lineNumbersStayRightAfterFiltering() {
        let text = """
            params,tokens,tokenizer,loss
            1e8,2e9,bpe,3.1
            oops,2e9,char,3.6
            2e8,4e9,bpe,2.9
            2e8,4e9,char,-1
            """
        // A bad row that is not selected is not read.
        #expect((try? read(text, ["tokenizer=bpe"])[0].count) == 2)
        let error = message { _ = try read(text, ["tokenizer=char"]) }
        #expect(error.contains("line 3, column 'params': 'oops' is not a number"))
    }

    // MARK: Groups

    @Test func groupsAreNamedAndOrdered() throws {
        let sets = try read(runs, groupBy: ["tokenizer"])
        #expect(sets.map(\.group) == ["tokenizer=bpe", "tokenizer=char"])
        #expect(sets.map { URL(fileURLWithPath: $0.source).lastPathComponent } == ["runs.csv [tokenizer=bpe]", "runs.csv [tokenizer=char]"])
        #expect(sets[0].measurements.map(\.loss) == [3.10, 2.90, 2.70])
        #expect(sets.allSatisfy { $0.warnings.isEmpty }, "within one tokenizer the rows are one sweep")
    }

    @Test func numericGroupsAreOneGroupPerNumberInNumericOrder() throws {
        let sets = try read(runs, groupBy: ["lr"])
        #expect(sets.map(\.group) == ["lr=0.001", "lr=0.01"], "first spelling, ascending as numbers")
        #expect(sets.map(\.count) == [4, 2])
        let two = try read(runs, ["lr=0.001"], groupBy: ["tokenizer", "lr"])
        #expect(two.map(\.group) == ["tokenizer=bpe, lr=0.001", "tokenizer=char, lr=0.001"])
    }

    @Test func jsonLinesNumbersGroupWithTheirTextSpelling() throws {
        let text = """
            {"params": 1e8, "tokens": 2e9, "lr": 0.001, "loss": 3.1}
            {"params": 2e8, "tokens": 4e9, "lr": "1e-3", "loss": 2.9}
            {"params": 4e8, "tokens": 8e9, "lr": 0.01, "loss": 2.7}
            """
        let sets = try read(text, groupBy: ["lr"], name: "runs.jsonl")
        #expect(sets.map(\.count) == [2, 1])
        #expect(try read(text, ["lr=1e-2"], name: "runs.jsonl")[0].count == 1)
    }

    @Test func storeLikeMeasurementsAreSelectedByLabels() throws {
        let m = (0..<4).map { Observation(parameters: 1e8 * Double($0 + 1), tokens: 2e9, loss: 3 - 0.1 * Double($0)) }
        let groups = try RowSelection(groupBy: ["sweep"])
            .apply(to: m, labels: [("sweep", ["a", "b", "a", nil])], source: "store.sqlite")
        #expect(groups.map(\.set.group) == ["sweep=a", "sweep=b", "sweep=(empty)"])
        #expect(groups.map(\.indices) == [[0, 2], [1], [3]])
        #expect(groups[0].set.source == "store.sqlite [sweep=a]")
    }

    // MARK: Warnings

    @Test func aSettingsColumnIsNamedWithTheOptionsToSplitIt() throws {
        let set = try read(runs)[0]
        #expect(set.warnings == ["column 'tokenizer' has 2 values (bpe, char); the rows may be several sweeps: "
                                 + "fit one with --where tokenizer=bpe or each with --group-by tokenizer",
                                 "3 of the 3 repeated points (rows with the same N, D, C and U) have losses more than 1% apart "
                                 + "(median spread 17%, largest 19% at N=4e+08, D=8e+09, C=1.92e+19); seed-to-seed noise is a few "
                                 + "tenths of a percent, so the rows may be several sweeps: select one setting with --where COL=VALUE "
                                 + "or fit each with --group-by COL"])
    }

    @Test func labelsOfTheModelSizeAndRunNamesAreNotSettings() throws {
        let text = """
            run,model,params,tokens,loss
            a,small,1e8,2e9,3.1
            b,small,1e8,4e9,3.0
            c,large,4e8,2e9,2.9
            d,large,4e8,4e9,2.8
            """
        #expect(try read(text)[0].warnings.isEmpty)
    }

    @Test func aSettingIsFoundWhenNoSizeRepeats() throws {
        // Every row its own N: a tokenizer still spans several sizes, so it is a setting.
        let text = "params,tokens,tokenizer,loss\n" + (0..<6).map { i in
            "\(1e8 * Double(i + 1)),2e9,\(i % 2 == 0 ? "bpe" : "char"),\(3 - 0.1 * Double(i))"
        }.joined(separator: "\n")
        #expect(try read(text)[0].warnings.map { $0.prefix(40) } == ["column 'tokenizer' has 2 values (bpe, ch"])
    }

    @Test func seedNoiseOnRepeatedPointsIsNotAWarning() throws {
        // Three seeds 0.3% apart at every point, and one point with an outlier seed (2%).
        var lines = ["params,tokens,seed,loss"]
        for (i, N) in [1e8, 2e8, 4e8, 8e8].enumerated() {
            for seed in 0..<3 {
                let base = 3.0 - 0.2 * Double(i)
                let loss = base * (1 + 0.0015 * Double(seed - 1)) * (i == 0 && seed == 2 ? 1.02 : 1)
                lines.append("\(N),2e9,\(seed),\(loss)")
            }
        }
        #expect(try read(lines.joined(separator: "\n"))[0].warnings.isEmpty)
        #expect(DataWarnings.repeatedPoints([]) == nil)
    }

    @Test func severalLossColumnsSayWhichWasUsed() throws {
        let text = """
            params,tokens,train_loss,val_loss,loss
            1e8,2e9,3.0,3.1,3.1
            2e8,4e9,2.8,2.9,2.9
            """
        let set = try read(text)[0]
        #expect(set.columns.loss == "loss")
        #expect(set.warnings == ["several columns could be loss ('train_loss', 'val_loss', 'loss'); used 'loss': "
                                 + "name another with --loss-column"])
        #expect(try read(text, mapping: ColumnMapping(loss: "val_loss"))[0].warnings.isEmpty, "a named column is a choice")
        let twoN = "params,n_params,tokens,loss\n1e8,9e7,2e9,3.1\n2e8,1.8e8,4e9,2.9"
        #expect(try read(twoN)[0].warnings == ["several columns could be N (parameters) ('params', 'n_params'); used 'params': "
                                                + "name another with --n-column"])
    }

    @Test func publishedFixturesDoNotWarn() throws {
        for name in ["datablations_c4_fit_subset_182.csv", "datablations_c4_final_val_losses.csv", "bnsl_4digit_addition.csv"] {
            let set = try MeasurementReader().read(path: InputFixtures.path(name))
            #expect(set.warnings.isEmpty, "\(name): \(set.warnings)")
        }
    }

    /// A selection applied to a store's runs fills in what it derives (C = 6ND for a run stored
    /// without its FLOPs), as reading a file does: found in review of the streaming scan, which
    /// first handed back the runs as given.
    @Test func aSelectionOfStoredRunsDerivesTheMissingCompute() throws {
        let m = [Observation(parameters: 1e6, tokens: 2e7, loss: 3.5), Observation(parameters: 2e6, tokens: 4e7, loss: 3.2)]
        let out = try RowSelection(conditions: [RowCondition(column: "sweep", values: ["a"])])
            .apply(to: m, labels: [("sweep", ["a", "a"])], source: "store.sqlite")
        #expect(out.count == 1)
        #expect(out[0].set.measurements.map(\.compute) == [6 * 1e6 * 2e7, 6 * 2e6 * 4e7])
        #expect(out[0].set.derived == [.compute])
        #expect(out[0].indices == [0, 1])
    }

    /// A bad row's message names its group as the group's sweep will be named: each value as first
    /// written in the file, though the row writes it another way (`1e-3` for `0.001`).
    @Test func aBadRowNamesItsGroupAsTheSweepIsNamed() throws {
        let text = """
            params,tokens,lr,tok,loss
            1e8,2e9,0.001,x,3.1
            2e8,4e9,1e-3,y,oops
            """
        let error = message { _ = try read(text, groupBy: ["lr", "tok"]) }
        #expect(error.contains("runs.csv [lr=0.001, tok=y]"), "\(error)")
    }
}
