import Foundation
import Testing
@testable import LawFitting
import ScalingLaws

/// Reading measurements: the published fixtures, CSV and JSON Lines syntax, column mapping,
/// derived values and the content hash. Bad input is in `InputErrorTests.swift`.
@Suite struct InputTests {
    // MARK: Fixtures

    @Test func datablationsFitSubsetLoads182Runs() throws {
        let set = try MeasurementReader().read(path: InputFixtures.path("datablations_c4_fit_subset_182.csv"),
                                               requiring: [.parameters, .tokens, .uniqueTokens])
        #expect(set.count == 182)
        #expect(set.format == .csv)
        #expect(set.columns == ColumnMapping(parameters: "params_N", tokens: "tokens_D",
                                             uniqueTokens: "unique_tokens_U", loss: "val_loss"))
        #expect(set.derived == [.compute])
        let first = try #require(set.measurements.first), last = try #require(set.measurements.last)
        #expect(first == Observation(parameters: 2.81e9, tokens: 32e9, compute: 6 * 2.81e9 * 32e9,
                                                 uniqueTokens: 4e9, loss: 2.722962))
        #expect(last == Observation(parameters: 1.5173e9, tokens: 91e9, compute: 6 * 1.5173e9 * 91e9,
                                                uniqueTokens: 1.5e9, loss: 3.034805))
    }

    @Test func datablationsAllRunsLoad296Runs() throws {
        let set = try MeasurementReader().read(path: InputFixtures.path("datablations_c4_final_val_losses.csv"))
        #expect(set.count == 296)
        #expect(set.measurements.first?.loss == 3.265024)
        #expect(set.measurements.first?.uniqueTokens == 4e9)
        #expect(set.measurements.last?.tokens == 77e9)
        #expect(set.measurements.last?.loss == 3.297776)
    }

    @Test func bnslReadsTrainDatasetSizeAsTokens() throws {
        let set = try MeasurementReader().read(path: InputFixtures.path("bnsl_4digit_addition.csv"),
                                               requiring: [.tokens])
        #expect(set.count == 17)
        #expect(set.columns == ColumnMapping(tokens: "train_dataset_size", loss: "test_cross_entropy"))
        #expect(set.derived.isEmpty)
        #expect(set.measurements.first == Observation(tokens: 160, loss: 2.13809046))
        #expect(set.measurements.last == Observation(tokens: 928, loss: 0.55695445))
        #expect(set.availableVariables == [.tokens])
    }

    /// The model-shape table has no loss: the error lists its 21 columns, including quoted
    /// headers that contain commas, which shows the header was split correctly.
    @Test func chinchillaShapeTableHasNoLossColumn() throws {
        do {
            _ = try MeasurementReader().read(path: InputFixtures.path("chinchilla_model_parameters.csv"))
            Issue.record("the shape table has no loss column and must not load")
        } catch {
            guard case let .missingColumn(_, quantity, _, available) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(quantity == .loss)
            #expect(available.count == 21)
            #expect(available.contains("Tied (Un)Embed, No Gating"))
            #expect(available.last == "Relative Error (%)")
            expectMessage(error, contains: ["chinchilla_model_parameters.csv", "no column for loss",
                                            "--loss-column", "Vocab Size",
                                            "Reported Parameters (M), 'Tied (Un)Embed, No Gating', "])
        }
    }

    @Test func benchmarkDataLoads240Runs() throws {
        let path = InputFixtures.packageRoot.appendingPathComponent("benchmarks/fit/chinchilla_240.csv").path
        let set = try MeasurementReader().read(path: path, requiring: [.parameters, .tokens])
        #expect(set.count == 240)
        #expect(set.derived.isEmpty)
        #expect(set.columns == ColumnMapping(parameters: "params", tokens: "tokens", compute: "flops", loss: "loss"))
        #expect(set.measurements.first?.compute == 6e18)
        #expect(set.measurements.last?.compute == 3e22)
    }

    // MARK: CSV syntax

    @Test func csvQuotedFieldsCRLFAndByteOrderMark() throws {
        let text = "\u{FEFF}name,\"params\",tokens,loss\r\n"
            + "\"small, \"\"tiny\"\"\",1e8,2e9,3.5\r\n"
            + "plain,2e8,\"4e9\",3.25\r\n"
        let set = try InputFixtures.read(text, as: "quoted.csv", requiring: [.parameters, .tokens])
        #expect(set.count == 2)
        #expect(set.columns.parameters == "params")   // the BOM is not part of the first name
        #expect(set.measurements[0] == Observation(parameters: 1e8, tokens: 2e9, compute: 1.2e18, loss: 3.5))
        #expect(set.measurements[1].tokens == 4e9)
    }

    @Test func csvSplitterKeepsEmbeddedCommasQuotesAndLineBreaks() throws {
        let records = try splitCSVRecords(Array("a,\"b,\"\"c\"\"\nd\",e\r\n\r\nf,,g\rh".utf8), file: "x.csv")
        #expect(records.map(\.fields) == [["a", "b,\"c\"\nd", "e"], ["f", "", "g"], ["h"]])
        #expect(records.map(\.line) == [1, 4, 5])
    }

    @Test func csvBlankTrailingLinesAndSpacesAreIgnored() throws {
        let text = "Model Size , VAL-LOSS,Tokens\n 1e8 , 3.5 ,2e9\n2e8,3.2,4e9\n\n\r\n  \n"
        let set = try InputFixtures.read(text, as: "spaces.csv", requiring: [.parameters, .tokens])
        #expect(set.count == 2)
        #expect(set.columns == ColumnMapping(parameters: "Model Size", tokens: "Tokens",
                                             compute: nil, loss: "VAL-LOSS"))
        #expect(set.measurements[0].parameters == 1e8)
        #expect(set.measurements[0].loss == 3.5)
    }

    @Test func lineNumbersCountLinesInsideQuotedFields() throws {
        let text = "note,params,loss\n\"two\nlines\",1e8,3.5\nok,2e8,oops\n"
        let error = try InputFixtures.error(text, as: "multiline.csv")
        expectMessage(error, contains: ["multiline.csv, line 4, column 'loss'", "'oops'"])
    }

    // MARK: Column mapping

    @Test func namedColumnsOverrideTheUsualNames() throws {
        let text = "params,size,loss,other_loss\n1e8,2e8,3.5,4.5\n"
        let mapping = ColumnMapping(parameters: "size", loss: "Other Loss")
        let set = try InputFixtures.read(text, as: "named.csv", mapping: mapping)
        #expect(set.measurements[0].parameters == 2e8)
        #expect(set.measurements[0].loss == 4.5)
        #expect(set.columns.parameters == "size")
        #expect(set.columns.loss == "other_loss")
    }

    @Test func aColumnIsUsedForOneQuantityOnly() throws {
        // `tokens` is named as N, so D must not also read it; D is derived from C instead.
        let text = "tokens,flops,loss\n1e8,1.2e18,3.5\n"
        let set = try InputFixtures.read(text, as: "claimed.csv", requiring: [.tokens],
                                         mapping: ColumnMapping(parameters: "tokens"))
        #expect(set.columns.tokens == nil)
        #expect(set.measurements[0].tokens == 2e9)
        #expect(set.derived == [.tokens])
    }

    // MARK: Derived values

    @Test func tokensAreDerivedFromComputeAndParameters() throws {
        let text = "N,C,L\n1e8,1.2e18,3.5\n4e8,9.6e18,3.0\n"
        let set = try InputFixtures.read(text, as: "compute.csv", requiring: [.parameters, .tokens])
        #expect(set.derived == [.tokens])
        #expect(set.measurements[0].tokens == 1.2e18 / 6e8)
        #expect(set.measurements[1].tokens == 9.6e18 / (6 * 4e8))
        #expect(set.measurements[1].compute == 9.6e18)
    }

    @Test func computeIsDerivedOnlyWhereMissing() throws {
        let text = "params,tokens,flops,loss\n1e8,2e9,,3.5\n1e8,2e9,5e18,3.4\n"
        let set = try InputFixtures.read(text, as: "partial.csv", requiring: [.compute])
        #expect(set.derived == [.compute])
        #expect(set.measurements[0].compute == 6 * 1e8 * 2e9)
        #expect(set.measurements[1].compute == 5e18)   // given values are kept, not recomputed
    }

    // MARK: JSON Lines

    @Test func jsonLinesReadsNumbersAndNumericStrings() throws {
        let text = "{\"params\": 1e8, \"tokens\": \"2e9\", \"val_loss\": 3.5, \"name\": \"a\"}\r\n"
            + "\n   \n"
            + "{\"params\": 200000000, \"tokens\": 4e9, \"val_loss\": \"3.25\", \"tags\": [1]}\n"
        let set = try InputFixtures.read(text, as: "runs.jsonl", requiring: [.parameters, .tokens])
        #expect(set.format == .jsonLines)
        #expect(set.count == 2)
        #expect(set.measurements[1] == Observation(parameters: 2e8, tokens: 4e9, compute: 4.8e18, loss: 3.25))
        #expect(set.columns.loss == "val_loss")
    }

    /// JSON 1 and 0 are numbers, not true and false.
    @Test func jsonLinesOneAndZeroAreNumbers() throws {
        let set = try InputFixtures.read("{\"params\": 1, \"loss\": 1}\n", as: "one.jsonl")
        #expect(set.measurements == [Observation(parameters: 1, loss: 1)])
        let zero = try InputFixtures.error("{\"params\": 0, \"loss\": 1}\n", as: "zero.jsonl")
        expectMessage(zero, contains: ["zero.jsonl, line 1, column 'params'", "must be positive"])
    }

    @Test func formatComesFromTheExtensionOrTheOverride() throws {
        #expect(MeasurementFileFormat(pathExtension: "CSV") == .csv)
        #expect(MeasurementFileFormat(pathExtension: "ndjson") == .jsonLines)
        #expect(MeasurementFileFormat(pathExtension: "json") == .jsonLines)
        #expect(MeasurementFileFormat(pathExtension: "txt") == nil)
        let csv = try InputFixtures.read("params,loss\n1e8,3\n", as: "runs.txt", format: .csv)
        #expect(csv.count == 1)
        let json = try InputFixtures.read("{\"params\":1e8,\"loss\":3}\n", as: "runs.ndjson")
        #expect(json.format == .jsonLines)
    }

    // MARK: Content hash

    /// Known answers computed independently (Python, struct.pack('<d')) for the layout in the
    /// doc comment of `MeasurementSet.contentHash(of:)`.
    @Test func contentHashKnownAnswers() {
        #expect(MeasurementSet.contentHash(of: []) == "cbf29ce484222325")
        let one = Observation(parameters: 1e8, tokens: 2e9, loss: 3.5)
        #expect(MeasurementSet.contentHash(of: [one]) == "ce2cfb440f8bcbcb")
    }

    @Test func contentHashIgnoresFormattingButNotNumbersOrOrder() throws {
        let csv = try InputFixtures.read("params,tokens,loss\n1e8,2e9,3.5\n2e8,4e9,3\n", as: "a.csv")
        let jsonl = try InputFixtures.read(
            "{\"N\":100000000,\"D\":2000000000,\"loss\":3.50}\n{\"N\":2e8,\"D\":4e9,\"loss\":3}\n", as: "b.jsonl")
        #expect(csv.contentHash == jsonl.contentHash)
        #expect(csv.contentHash.count == 16)
        let changed = try InputFixtures.read("params,tokens,loss\n1e8,2e9,3.5\n2e8,4e9,3.0001\n", as: "c.csv")
        #expect(changed.contentHash != csv.contentHash)
        let swapped = try InputFixtures.read("params,tokens,loss\n2e8,4e9,3\n1e8,2e9,3.5\n", as: "d.csv")
        #expect(swapped.contentHash != csv.contentHash)
    }
}
