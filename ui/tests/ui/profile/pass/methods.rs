#![deny(warnings)]
use perf_runtime::profile;

struct Counter {
    hits: Vec<u32>,
}

impl Counter {
    #[profile]
    fn new() -> Self {
        Self { hits: Vec::new() }
    }

    #[profile]
    fn len(&self) -> usize {
        self.hits.len()
    }

    #[profile]
    fn hits_mut(&mut self) -> &mut Vec<u32> {
        &mut self.hits
    }

    #[profile]
    fn into_hits(self) -> Vec<u32> {
        self.hits
    }

    #[profile]
    fn boxed(self: Box<Self>) -> usize {
        self.hits.len()
    }
}

trait Shape {
    fn area(&self) -> f64;

    #[profile]
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

struct Square(f64);

impl Shape for Square {
    #[profile]
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

impl<T: Clone + Default> Shape for Vec<T> {
    #[profile]
    fn area(&self) -> f64 {
        self.len() as f64
    }
}

fn main() {
    let mut c = Counter::new();
    c.hits_mut().push(1);
    assert_eq!(c.len(), 1);
    assert_eq!(Box::new(Counter::new()).boxed(), 0);
    assert_eq!(c.into_hits(), vec![1]);
    assert_eq!(Square(2.0).describe(), "area 4");
    assert_eq!(vec![0u8; 3].area(), 3.0);
    let report = perf_runtime::Report::collect();
    for name in [
        concat!(module_path!(), "::Counter::new"),
        concat!(module_path!(), "::Counter::hits_mut"),
        concat!(module_path!(), "::Square::area"),
        concat!(module_path!(), "::Square::describe"),
        concat!(module_path!(), "::Vec::area"),
    ] {
        assert!(
            report.function(name).is_some(),
            "{name} missing from {:?}",
            report.functions.iter().map(|f| &f.name).collect::<Vec<_>>()
        );
    }
}
