// swift-tools-version:6.0
// ScaleLab: train ladders of small language models, fit scaling laws, plan compute.
//
// Data flow (see docs/design.md): corpus → Trainer → run records → store → LawFitting → ScalingLaws → planner → report.
// The pure math (ScalingLaws, LawFitting) depends on nothing but the standard library and swift-numerics;
// only Trainer touches BLAS; only the scalelab command touches argument parsing.
//
// No unsafeFlags anywhere: SwiftPM refuses a package that has them as a versioned dependency, and
// the libraries are meant to be depended on (scripts/check-dependency.sh proves it). The speed
// they bought comes from elsewhere: `make test` runs the suite in release (the kernels' tests
// run 15–360× slower unoptimized), and CFloatMath gives AdamW its vector square root.
import PackageDescription

let package = Package(
    name: "ScaleLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "scalelab", targets: ["scalelab"]),
        .library(name: "ScalingLaws", targets: ["ScalingLaws"]),
        .library(name: "LawFitting", targets: ["LawFitting"]),
        .library(name: "Trainer", targets: ["Trainer"]),
        .library(name: "Lab", targets: ["Lab"]),
        .library(name: "Report", targets: ["Report"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Studies", targets: ["Studies"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The run store's PostgreSQL backend (`--store postgresql://…`, docs/postgres.md).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `swift package generate-documentation --target <library>` (scripts/check-docs.sh): the
        // DocC catalogs in Sources/<Target>/<Target>.docc. A command plugin only: nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Functional forms, the catalog of published laws, planning, FLOP and parameter accounting.
        .target(
            name: "ScalingLaws",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")]
        ),
        // Optimizers (L-BFGS, Levenberg–Marquardt), robust losses, multi-start, bootstrap,
        // Chinchilla approaches, model comparison, back-tests, measurement input.
        .target(
            name: "LawFitting",
            dependencies: ["ScalingLaws", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // OpenBLAS through its C interface (Debian: libopenblas-dev).
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Square roots without errno semantics for the trainer's kernels: header-only `static inline`
        // C over `__builtin_elementwise_sqrt` (llvm.sqrt). `squareRoot()` reaches C's __builtin_sqrtf
        // through a shim with errno semantics, which became one branchy `sqrtf` call per lane in
        // AdamW's 16-lane kernel; through this it is one vsqrtps, the same IEEE result.
        .target(name: "CFloatMath", path: "Sources/CFloatMath"),
        // The CPU training engine: kernels, models, optimizer, data, training loop.
        .target(
            name: "Trainer",
            dependencies: ["CBLAS", "CFloatMath", "ScalingLaws"]
        ),
        // Ladder plans, the run store (SQLite through GRDB, or PostgreSQL through postgres-nio),
        // the runner (worker processes, resume).
        .target(
            name: "Lab",
            dependencies: [
                "Trainer", "ScalingLaws", "LawFitting", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // SVG charts and the self-contained HTML report: a pure renderer of a ReportInput.
        .target(name: "Report", dependencies: ["ScalingLaws", "LawFitting"]),
        // The one analysis layer: one options value; fit → bootstrap → back-test → comparison of a
        // file or a store, Chinchilla's approaches, ladder back-tests and forecasts, plan
        // intervals, and the report's input. Every command and the demo go through it.
        .target(name: "Analysis", dependencies: ["ScalingLaws", "LawFitting", "Lab", "Report"]),
        // Studies: a ladder design + an analysis + a report section, run stage by stage against one
        // store (`Study`, `StudyRunner`); ScaleLab's own studies (emergence, …) and anyone's.
        .target(name: "Studies", dependencies: ["ScalingLaws", "LawFitting", "Trainer", "Lab", "Report", "Analysis"]),
        // The command line: thin commands over the libraries.
        .executableTarget(
            name: "scalelab",
            dependencies: [
                "ScalingLaws", "LawFitting", "Trainer", "Lab", "Report", "Analysis", "Studies",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ScalingLawsTests", dependencies: ["ScalingLaws"]),
        .testTarget(name: "LawFittingTests", dependencies: ["LawFitting", "ScalingLaws"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer"]),
        .testTarget(name: "LabTests", dependencies: ["Lab"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Lab", "LawFitting", "ScalingLaws"]),
        .testTarget(name: "StudiesTests", dependencies: ["Studies", "Analysis", "Lab", "Report", "Trainer"]),
        // The snapshots and the fixture are read by path (#filePath), not bundled.
        .testTarget(name: "ReportTests", dependencies: ["Report", "Analysis"], exclude: ["Snapshots", "Fixtures"]),
        // The --help snapshots are read by path (#filePath), not bundled.
        .testTarget(name: "CLITests", dependencies: ["scalelab", "Lab", "Trainer"], exclude: ["Snapshots"]),
    ]
)
