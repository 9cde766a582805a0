use callcoach::audio::wav::WavStream;
use callcoach::dsp::biquad::Biquad;
use callcoach::dsp::yin::Yin;
fn main() {
    let mut a = std::env::args().skip(1);
    let path = a.next().unwrap();
    let t: f64 = a.next().unwrap().parse().unwrap();
    let mut s = WavStream::open(std::path::Path::new(&path)).unwrap();
    let mut all = Vec::new();
    let mut buf = Vec::new();
    while s.read_frames(&mut buf, 4096).unwrap() > 0 {
        all.extend_from_slice(&buf);
    }
    let mut h1 = Biquad::highpass(250.0, 8000.0);
    let mut h2 = Biquad::highpass(250.0, 8000.0);
    let hp: Vec<f32> = all
        .iter()
        .map(|&x| {
            let y = h1.process(x);
            h2.process(y)
        })
        .collect();
    let mut yin = Yin::new(240, 20, 134, 0.2);
    let c = (t * 8000.0) as usize;
    for (name, sig) in [("raw", &all), ("hp", &hp)] {
        let fr = &sig[c - 187..c - 187 + yin.frame_len()];
        let r = yin.analyse(fr);
        println!(
            "{name}: {:?}",
            r.candidates()
                .iter()
                .map(|c| (8000.0 / c.lag, c.cmndf))
                .collect::<Vec<_>>()
        );
    }
}
