//! What the demo's people write: varied, plausible answers in the voices of young people and
//! of parents and carers, put together from parts (what helps or what should change, and a
//! detail from their own life), so a year of demo answers reads like several hundred people
//! rather than a few sentences repeated. Some parents write in Polish or Arabic; a few
//! answers name a member of staff or give a phone number (Ofcom's drama range, 07700 900xxx)
//! for redaction to catch. Their words use the codebook's keywords often enough for the
//! suggested themes to find them.

/// A small, stable generator (splitmix64) of its own, so the answers' words never change the
/// demo's figures.
pub struct Words(u64);

impl Words {
    pub fn new(seed: u64) -> Self {
        Words(seed ^ 0x5745_5244_5321_0000)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn phone(&mut self) -> String {
        format!("07700 900{:03}", self.next() % 1000)
    }

    /// How a response came: mostly online; young people also in panel sessions, on a shared
    /// tablet or on paper; parents also by emailed invitation, on paper or by phone.
    pub fn channel(&mut self, audience: &str) -> &'static str {
        let r = (self.next() % 100) as u8;
        if audience == "young-people" {
            match r {
                0..60 => "web",
                60..80 => "panel",
                80..88 => "kiosk",
                _ => "paper",
            }
        } else {
            match r {
                0..60 => "web",
                60..80 => "invitation",
                80..95 => "paper",
                _ => "phone",
            }
        }
    }

    /// Something that helps, in `audience`'s voice.
    pub fn good_thing(&mut self, audience: &str) -> String {
        let young = audience == "young-people";
        let (what, detail) = if young { (YP_GOOD, YP_GOOD_DETAIL) } else { (PC_GOOD, PC_GOOD_DETAIL) };
        let mut s = self.pick(what).to_owned();
        if self.chance(0.55) {
            s.push(' ');
            s.push_str(self.pick(detail));
        }
        if self.chance(0.05) {
            s.push_str(&format!(" {} is the best.", self.pick(STAFF)));
        }
        s
    }

    /// What should change, in `audience`'s voice (and sometimes language).
    pub fn change(&mut self, audience: &str) -> String {
        let young = audience == "young-people";
        if !young && self.chance(0.08) {
            let language = if self.chance(0.5) { POLISH } else { ARABIC };
            return self.pick(language).to_owned();
        }
        let (ask, detail) = if young { (YP_CHANGE, YP_CHANGE_DETAIL) } else { (PC_CHANGE, PC_CHANGE_DETAIL) };
        let mut s = self.pick(ask).to_owned();
        if self.chance(0.7) {
            s.push(' ');
            s.push_str(self.pick(detail));
        }
        if self.chance(0.04) {
            let phone = self.phone();
            s.push_str(&format!(" Nobody rang back, my number is {phone} if anyone wants to talk."));
        } else if self.chance(0.04) {
            s.push_str(&format!(" {} said they would sort it but nothing happened.", self.pick(STAFF)));
        }
        s
    }
}

const STAFF: &[&str] = &["Mrs Patel", "Mr Hughes", "Dave from social care", "Miss Okafor", "our key worker Sam"];

const YP_GOOD: &[&str] = &[
    "My teacher explains things again when I ask.",
    "I have a quiet place to go at lunch.",
    "They let me use my laptop in lessons.",
    "My mum comes to the meetings with me.",
    "Having the same support worker for two years.",
    "Being asked what I want, not just my parents.",
    "My college tutor helps me with travel training.",
    "The youth club on Fridays.",
    "When people listen to me and do what they said.",
    "Having a time out card.",
    "My TA knows when I am getting stressed.",
    "Doing my own bit of my annual review.",
    "Art club, because it is calm.",
    "My speech therapist makes it fun.",
    "Work experience at the garden centre.",
    "Learning to get the bus on my own.",
    "Being allowed to leave lessons five minutes early so the corridors are quiet.",
    "Ear defenders in the dinner hall.",
];

const YP_GOOD_DETAIL: &[&str] = &[
    "It makes me feel less worried.",
    "I can actually learn now.",
    "Before that I got in trouble a lot.",
    "It means I do not have to explain everything again.",
    "I feel like people understand my autism more.",
    "It helps with my ADHD.",
    "My friends are there too.",
    "I feel more ready for college.",
    "It is the best thing about school this year.",
    "I did not have that at my old school.",
];

const PC_GOOD: &[&str] = &[
    "The speech therapist is brilliant and really gets my son.",
    "Our key worker always rings back.",
    "The SENCo at the new school listened to us from day one.",
    "The parent carer forum helped us understand the plan.",
    "Short breaks have given us our weekends back.",
    "The annual review was the first one where we felt listened to.",
    "The Local Offer page on short breaks was easy to follow.",
    "Her teaching assistant sends a note home every day.",
    "The transition visits to secondary school were really well planned.",
    "The educational psychologist explained the report in plain English.",
    "Having one named person to contact.",
    "The sensory room at the children's centre.",
    "The portage worker came to our home, which made all the difference.",
    "The drop-in sessions at the library for parents.",
    "School agreed a reduced timetable quickly when we asked.",
];

const PC_GOOD_DETAIL: &[&str] = &[
    "We finally feel like part of the team.",
    "My daughter is happier going to school.",
    "It took a long time to get here but it is working now.",
    "After years of fighting it feels different.",
    "It means I can keep working.",
    "Our son is autistic and they understand him.",
    "We did not have to tell our story again.",
    "I wish every family had this.",
    "It has made a real difference to his anxiety.",
    "Other parents at the forum told us about it.",
];

const YP_CHANGE: &[&str] = &[
    "Please ask me, not just my mum.",
    "Quiet spaces at school.",
    "Keep the same worker so I do not have to start again.",
    "More people who understand autism at school.",
    "I want to know what happens after college.",
    "Help with getting a job when I am older.",
    "Somewhere to go after school where people understand ADHD.",
    "Stop changing my support worker.",
    "Tell me what is in my plan in words I understand.",
    "Let me bring a friend to my meetings.",
    "Teachers should read my plan.",
    "Less noise in the corridors.",
    "More clubs that are not too loud.",
    "Listen when I say I am not coping.",
    "Do not talk about me like I am not in the room.",
    "Give me more time in tests.",
    "Tell me the truth about how long I will be waiting.",
    "Help me practise travelling to college.",
];

const YP_CHANGE_DETAIL: &[&str] = &[
    "I have had four different workers since year 7.",
    "It took until Easter to get my laptop.",
    "I get really anxious when things change.",
    "Nobody told me why my worker left.",
    "Some teachers are good but some do not get it.",
    "I want to go to college in Paignton.",
    "I was on the waiting list for CAMHS for a year.",
    "The last meeting was all grown ups talking.",
    "It makes me not want to go in.",
    "My friends think it is unfair too.",
];

const PC_CHANGE: &[&str] = &[
    "Stop making us tell our story again and again to every new person.",
    "Answer emails.",
    "Less jargon in letters.",
    "Tell us the truth about waiting lists, even when it is bad news.",
    "Meetings at times working parents can come to.",
    "The plan said one thing and school did another.",
    "It feels like we have to fight for everything.",
    "Send the draft plan before the meeting, not on the day.",
    "Let us know who our case officer is when they change.",
    "Short breaks that are available in the school holidays.",
    "More speech and language therapy in school, not just advice.",
    "Train all school staff about autism and ADHD, not only the SENCo.",
    "Keep the same worker for longer.",
    "Explain what a graduated response is before you use the words.",
    "Call back when you say you will.",
    "Make the Local Offer website easier to search.",
    "Include dads in communications, not only mums.",
    "Check in with us after the plan is issued, not only at the annual review.",
];

const PC_CHANGE_DETAIL: &[&str] = &[
    "We waited eleven weeks for a reply about the annual review.",
    "We waited 14 weeks for the needs assessment decision.",
    "I did not understand what a graduated response was.",
    "We have had three case officers in a year.",
    "The annual review paperwork arrived the night before.",
    "My son is 9, autistic, and has been out of school since October.",
    "Our daughter has Down syndrome and the plan did not mention her speech.",
    "I had to take unpaid leave for every meeting.",
    "The tribunal was the only way anything changed.",
    "We found out about short breaks from another parent, not from the council.",
    "The letter had six acronyms in the first paragraph.",
    "We were told the waiting list was six months and it was eighteen.",
    "Our family is exhausted.",
    "I work nights and the meetings are always at 10am.",
];

const POLISH: &[&str] = &[
    "Proszę odpowiadać na e-maile. Czekaliśmy dwa miesiące na odpowiedź w sprawie planu.",
    "Potrzebujemy tłumacza na spotkaniach, bo nie wszystko rozumiem.",
    "Szkoła nie czyta planu mojego syna.",
    "Chcę wiedzieć, co będzie po szkole średniej.",
    "Za długo czekamy na logopedę.",
    "Listy są za trudne, za dużo skrótów.",
    "Proszę pytać moje dziecko, nie tylko mnie.",
    "Dziękuję za pomoc koordynatorki, zawsze oddzwania.",
    "Zajęcia w czasie ferii byłyby wielką pomocą.",
    "Zmieniają się ciągle osoby, które prowadzą naszą sprawę.",
];

const ARABIC: &[&str] = &[
    "نحتاج إلى مترجم في الاجتماعات لأنني لا أفهم كل شيء.",
    "انتظرنا وقتاً طويلاً جداً لتقييم احتياجات ابني.",
    "أرجو الرد على رسائل البريد الإلكتروني.",
    "المدرسة لا تتبع خطة ابنتي.",
    "الرسائل صعبة الفهم وفيها كلمات كثيرة لا أعرفها.",
    "نريد أن نعرف ماذا سيحدث بعد المدرسة.",
    "شكراً لمعلمة ابني، فهي تستمع إلينا دائماً.",
    "نحتاج إلى أنشطة في العطلة المدرسية.",
    "اسألوا طفلي أيضاً، وليس أنا فقط.",
    "تغيّر المسؤول عن ملفنا ثلاث مرات هذا العام.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_of_answers_is_varied() {
        let mut w = Words::new(7);
        let mut seen = std::collections::HashSet::new();
        for i in 0..600 {
            let audience = if i % 2 == 0 { "young-people" } else { "parents-carers" };
            seen.insert(w.change(audience));
            seen.insert(w.good_thing(audience));
        }
        assert!(seen.len() > 400, "{} distinct of 1200", seen.len());
        assert!(seen.iter().any(|s| s.contains("07700 900")), "phone numbers for redaction");
        assert!(seen.iter().any(|s| s.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c))), "some Arabic");
        assert!(seen.iter().any(|s| s.contains("ę") || s.contains("ł")), "some Polish");
    }
}
