import Foundation
import ScalingLaws

/// A measurement file read and checked whole, whose rows a writer then reads a second time, in
/// file order, without any list of them being held: how `scalelab import` stores a file of any
/// size in memory the size of the file's bytes.
///
/// Making the stream (`MeasurementReader.stream(path:requiring:)`) reads every row once and
/// throws what `readGroups` throws, so a bad file is refused before anything is written; each
/// group's count, content hash, columns, derivations, C/(6ND) check and warnings are known then.
/// `forEachMeasurement` reads the rows again. The one warning that needs every row at once, about
/// repeated points, is left to the writer, which finds the points where it put the rows
/// (`DataWarnings.repeatedPoints(found:hint:)`) and places it with `Group.warnings(repeatedPoints:)`.
public struct MeasurementStream: Sendable {
    /// One group of the rows kept (`RowSelection`): what its `MeasurementSet` says, but its rows.
    public struct Group: Sendable, Equatable {
        /// `source [conditions, group]`, as `MeasurementSet.source`.
        public var source: String
        /// The group's label (`tokenizer=bpe`), nil without `groupBy`.
        public var group: String?
        /// Its rows.
        public var count: Int
        /// `MeasurementSet.contentHash` of its rows.
        public var contentHash: String
        /// The column each quantity was read from.
        public var columns: ColumnMapping
        /// The variables derived in some row.
        public var derived: Set<ScaleVariable>
        /// C against 6ND, when some row gives all three.
        public var computeCheck: ComputeCheck?
        /// The warnings that come before and after the repeated-points warning.
        var warningsAround: (before: [String], after: [String])

        /// `MeasurementSet.provenance`.
        public var provenance: [String: String] { MeasurementSet.provenance(columns: columns, derived: derived) }

        /// The group's warnings in `MeasurementSet.warnings`'s order, with `repeatedPoints` (the
        /// writer's finding, nil for none) in its place.
        public func warnings(repeatedPoints: String?) -> [String] {
            warningsAround.before + [repeatedPoints].compactMap { $0 } + warningsAround.after
        }

        public static func == (a: Group, b: Group) -> Bool {
            a.source == b.source && a.group == b.group && a.count == b.count && a.contentHash == b.contentHash
                && a.columns == b.columns && a.derived == b.derived && a.computeCheck == b.computeCheck
                && a.warningsAround.before == b.warningsAround.before && a.warningsAround.after == b.warningsAround.after
        }
    }

    /// The file.
    public let file: String
    /// Its format.
    public let format: MeasurementFileFormat
    /// The groups, in `RowSelection`'s order.
    public let groups: [Group]
    private let bytes: [UInt8]
    private let reader: MeasurementReader
    private let requiring: Set<ScaleVariable>
    /// The index in `groups` of each slot of the scan (the order groups' first rows came in).
    private let groupOfSlot: [Int]

    fileprivate init(file: String, format: MeasurementFileFormat, bytes: [UInt8], reader: MeasurementReader,
                     requiring: Set<ScaleVariable>) throws(MeasurementInputError) {
        let records = try RecordSource(bytes, file: file, format: format)
        let scan = try reader.scan(records, name: file, requiring: requiring, lossRequired: true) { _, _ in }
        var groups: [Group] = []
        var groupOfSlot = Array(repeating: 0, count: scan.groups.count)
        for (slot, label) in scan.order {
            let source = reader.selection.name(of: file, group: label)
            try scan.checkScales(slot: slot, source: source)
            let warnings = scan.warnings(slot: slot, names: records.columns)
            groupOfSlot[slot] = groups.count
            groups.append(Group(source: source, group: label, count: scan.groups[slot].count,
                                contentHash: scan.groups[slot].hash.hex, columns: scan.columns,
                                derived: scan.groups[slot].derived, computeCheck: warnings.computeCheck,
                                warningsAround: (warnings.before, warnings.after)))
        }
        self.file = file
        self.format = format
        self.groups = groups
        self.bytes = bytes
        self.reader = reader
        self.requiring = requiring
        self.groupOfSlot = groupOfSlot
    }

    /// Calls `body` with each kept row's measurement and the index of its group in `groups`, in
    /// file order: the rows checked when the stream was made, read again from the same bytes.
    public func forEachMeasurement(_ body: (_ group: Int, _ measurement: Observation) -> Void) {
        do {
            let records = try RecordSource(bytes, file: file, format: format)
            _ = try reader.scan(records, name: file, requiring: requiring, lossRequired: true, tallying: false) { slot, p in
                body(groupOfSlot[slot], Observation(parameters: p.parameters, tokens: p.tokens, compute: p.compute,
                                                    uniqueTokens: p.uniqueTokens, loss: p.loss!))
            }
        } catch {
            // The same bytes read by the same reader passed every check when the stream was made.
            preconditionFailure("a measurement stream's second reading failed where its first passed: \(error)")
        }
    }
}

extension MeasurementReader {
    /// Reads and checks the file at `path` for a writer that stores its rows without holding
    /// them (`MeasurementStream`): the rows `selection` keeps, in its groups, each with N, D and
    /// the loss as `readImportGroups` requires, and the scale check (`MeasurementSet.checkScales`).
    public func stream(path: String, requiring: Set<ScaleVariable> = [.parameters, .tokens])
        throws(MeasurementInputError) -> MeasurementStream
    {
        let (bytes, format) = try load(path: path)
        return try MeasurementStream(file: path, format: format, bytes: bytes, reader: self, requiring: requiring)
    }
}
