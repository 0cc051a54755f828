//! Criterion benchmarks of the strategic engine at the constant density of issue #2 (see
//! `TheatreSpec::constant_density`). The `deconflict bench` command covers 1M volumes and the batch check;
//! these give statistically robust figures for the hot paths at 10k and 100k.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use deconflict_strategic::synthetic::{theatre, TheatreSpec};
use deconflict_strategic::{advise, AdviceBounds, ConflictIndex, Minima};

fn index_benches(c: &mut Criterion) {
    let minima = Minima::default();
    for n in [10_000usize, 100_000] {
        let spec = TheatreSpec::constant_density(n);
        let index = ConflictIndex::bulk(minima, theatre(1, n, &spec)).expect("unique ids");
        let probes = theatre(2, 1_000, &spec);
        let mut i = 0;
        c.bench_function(&format!("conflicts_of/{n}"), |b| {
            b.iter(|| {
                i = (i + 1) % probes.len();
                black_box(index.conflicts_of(&probes[i]))
            })
        });
        c.bench_function(&format!("advise/{n}"), |b| {
            b.iter(|| {
                i = (i + 1) % probes.len();
                black_box(advise(&index, &probes[i], &AdviceBounds::default()))
            })
        });
    }

    let spec = TheatreSpec::constant_density(10_000);
    let mut index = ConflictIndex::bulk(minima, theatre(1, 10_000, &spec)).expect("unique ids");
    let mut fresh = theatre(3, 10_000, &spec).into_iter().cycle();
    c.bench_function("insert_then_remove/10000", |b| {
        b.iter_batched(
            || {
                let mut d = fresh.next().expect("cycle");
                d.id = format!("new-{}", d.id);
                d
            },
            |d| {
                let (party, id) = (d.party.clone(), d.id.clone());
                index.insert(d).expect("new id");
                index.remove(&party, &id)
            },
            BatchSize::SmallInput,
        )
    });

    let pair = theatre(
        4,
        2,
        &TheatreSpec {
            area_km2: 2_000.0,
            ..spec
        },
    );
    let (a, b) = (&pair[0].volumes[0].footprint, &pair[1].volumes[0].footprint);
    c.bench_function("region_distance", |bench| {
        bench.iter(|| black_box(a.distance_m(b)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = index_benches
}
criterion_main!(benches);
