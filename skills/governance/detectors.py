"""The built-in Guardian detectors: deterministic, explainable phrase and heuristic rules.

Each rule is a named regular expression over the normalised text (see normalise.py) with a
category and a fixed score, so every finding can be explained by pointing at its rule. The
rules of one detector are compiled into one alternation and the text is scanned once per
detector. Rules name the shape of an attack ("ignore … previous … instructions"), not single
words, so an incident summary that says "ignore the previous alert" or "kill the hung
process" is not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from skills.governance.guardian import Finding
from skills.governance.normalise import Normalised, normalise


@dataclass(frozen=True)
class Rule:
    """`triggers`: words (space-separated) of which every match holds at least one; the
    rule's regex runs only when the text has one of them, which keeps a 4 KB screen well
    under a millisecond (a set lookup per trigger instead of a scan per rule). "*" runs the
    rule on every text (no built-in rule does: profanity lists its common forms, so a
    stretched "fuuuck" passes unless a classifier detector is added)."""

    category: str
    name: str
    regex: str
    triggers: str
    score: float = 0.9


class PatternDetector:
    """A check made of rules; a base64 payload that decodes to a rule's text is reported
    under `encoded_category` when set (an instruction hidden in base64 is its own sign)."""

    def __init__(
        self, name: str, check: str, rules: Sequence[Rule], encoded_category: str | None = None
    ) -> None:
        self.name = name
        self.check = check
        self.rules = tuple(rules)
        self.encoded_category = encoded_category
        self._compiled = tuple(
            (
                None if r.triggers == "*" else frozenset(r.triggers.split()),
                re.compile(r.regex, re.MULTILINE),
                r,
            )
            for r in self.rules
        )

    def _scan(self, view: Normalised) -> list[Rule]:
        return [
            rule
            for triggers, regex, rule in self._compiled
            if (triggers is None or not triggers.isdisjoint(view.words)) and regex.search(view.text)
        ]

    def detect(self, text: str) -> list[Finding]:
        view = normalise(text)
        findings = [Finding(self.check, r.category, r.name, r.score) for r in self._scan(view)]
        if self.encoded_category:
            seen = set()
            for payload in view.decoded:
                for r in self._scan(payload):
                    if r.name not in seen:
                        seen.add(r.name)
                        findings.append(
                            Finding(self.check, self.encoded_category, f"base64:{r.name}", r.score)
                        )
        return findings


_ANY_WORDS = r"(?:[\w'-]+ ){0,4}?"  # up to four filler words, lazily
_PRIOR = r"(?:its|their|our|previous|prior|above|earlier|preceding|former|initial|original|old|system|developer|all|any|every|your|the|my|these|those)"
_ORDERS = r"(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|context|messages|commands|constraints|programming|guardrails|polic(?:y|ies)|restrictions|filters|training)"

# Rules see the normalised view, where digits read as letters (normalise.py's leetspeak
# step): "base64" is written "base6a", "rot13" "rotie", "AR-15" "ar-is".
INJECTION_RULES = (
    Rule("instruction_override", "ignore_previous_instructions",
         rf"\b(?:ignore|disregard|forget|skip|bypass|override|neglect|drop|discard|abandon) {_ANY_WORDS}{_PRIOR} {_ANY_WORDS}{_ORDERS}\b",
         "ignore disregard forget skip bypass override neglect drop discard abandon", 0.95),
    Rule("instruction_override", "forget_everything",
         r"\b(?:forget|ignore|disregard) (?:about )?(?:everything|all of that|all that|what) (?:you (?:were|have been|'ve been) told|above|before|said|i said|previously)",
         "forget ignore disregard", 0.9),
    Rule("instruction_override", "do_not_follow_rules",
         rf"\b(?:do not|don't|never|stop|no longer) (?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing) to|comply(?:ing)? with) {_ANY_WORDS}{_ORDERS}\b",
         "follow following obey obeying adhere adhering comply complying", 0.9),
    Rule("instruction_override", "new_instructions",
         r"\b(?:new|updated|real|true|actual|revised) (?:system )?(?:instructions?|task|directives?|orders|objective|goal|purpose)(?: is| are)? ?:|\byour (?:new|real|true|actual) (?:instructions?|task|purpose|goal|objective) (?:is|are|will be)\b",
         "new updated real true actual revised", 0.85),
    Rule("instruction_override", "from_now_on",
         r"\bfrom now on,? (?:you (?:will|must|shall|are|should|only|always|never)|ignore|respond|answer|act)\b",
         "now", 0.8),
    Rule("instruction_override", "override_safety",
         r"\b(?:override|disable|turn off|deactivate|bypass|remove|circumvent) (?:your |the |all |any )?(?:(?:safety|security|content|ethical|moderation) ){1,2}(?:settings|filters?|polic(?:y|ies)|protocols?|guidelines|restrictions|measures|checks)\b",
         "safety security content ethical moderation", 0.9),
    Rule("role_play_jailbreak", "dan_do_anything_now",
         r"\bdo anything now\b|\b(?:you are|you're|act as|pretend to be|become|roleplay as|role-play as) (?:now )?(?:a |an |the )?dan\b|\bdan mode\b",
         "anything dan", 0.95),
    Rule("role_play_jailbreak", "developer_mode",
         r"\b(?:developer|dev|god|debug|sudo|admin|unrestricted|jailbreak|opposite) mode (?:enabled|on|activated|engaged)\b|\b(?:enable|activate|enter|switch to) (?:developer|dev|god|sudo|jailbreak|unrestricted) mode\b",
         "developer dev god debug sudo admin unrestricted jailbreak opposite", 0.9),
    Rule("role_play_jailbreak", "unrestricted_persona",
         r"\b(?:you are|you're|act as|acting as|pretend (?:to be|you are|you're)|roleplay as|role-play as|behave like|imagine you are|play the role of|respond as) (?:now )?(?:a |an |the |my )?(?:\w+ ){0,2}?(?:unfiltered|uncensored|unrestricted|jailbroken|amoral|unethical|evil|rogue|unaligned|unbound|lawless)\b",
         "unfiltered uncensored unrestricted jailbroken amoral unethical evil rogue unaligned unbound lawless", 0.9),
    Rule("role_play_jailbreak", "no_restrictions",
         r"\b(?:you have|you've got|with|without|free (?:of|from)|there are|you are (?:free|freed|liberated) from) (?:any |all |no )?(?:restrictions|limitations|limits|filters|censorship|rules|guidelines|ethical (?:guidelines|constraints|boundaries)|content polic(?:y|ies))\b(?:.{0,40}\b(?:anything|everything|any question|whatever)\b)",
         "restrictions limitations limits filters censorship rules guidelines ethical content", 0.8),
    Rule("role_play_jailbreak", "jailbreak_word",
         r"\bjail ?break(?:ing|ed|s)?\b|\bjail ?broken\b",
         "jailbreak jailbreaking jailbreaked jailbreaks jailbroken jail", 0.85),
    Rule("role_play_jailbreak", "stay_in_character",
         r"\b(?:stay|remain|keep) in character\b|\bbreak(?:ing)? character\b.{0,40}\b(?:never|don't|do not)\b|\bnever (?:break|leave) character\b",
         "character", 0.75),
    Rule("system_prompt_exfiltration", "reveal_system_prompt",
         r"\b(?:repeat|print|reveal|show|display|output|tell me|give me|share|leak|dump|list|write out|recite|spell out|paste|return|expose|what (?:is|are|was|were)) (?:me )?(?:back )?(?:(?:your|of your|all of your) (?:\w+ ){0,3}?(?:system|hidden|secret|developer|confidential|pre-?|initial|original|base|internal) ?(?:prompts?|instructions|message|rules|guidelines|configuration|directives|context)|(?:the|all|all the) (?:\w+ ){0,3}?(?:system|hidden|secret|developer|confidential|pre-?) ?(?:prompts?|instructions|message|rules|guidelines|configuration|directives|context)|(?:the|all|all the) (?:\w+ ){0,2}?(?:initial|original|base|internal) (?:prompts?|instructions|directives))\b",
         "system initial hidden secret original developer pre prompt prompts preprompt preprompts base internal confidential", 0.95),
    Rule("system_prompt_exfiltration", "your_prompt",
         r"\b(?:reveal|show|print|repeat|output|display|dump|leak|recite|give me|share|tell me|tell me what|what (?:is|are|was|were|does)|what's) (?:me )?(?:all )?(?:of )?your (?:\w+ ){0,2}?(?:prompts?|instructions|directives)\b",
         "prompt prompts instructions directives", 0.8),
    Rule("system_prompt_exfiltration", "repeat_text_above",
         r"\b(?:repeat|print|output|reproduce|copy|echo|translate|summari[sz]e) (?:back )?(?:all |everything |the (?:text|words|content|lines|messages?) |the \w+ (?:words|lines) )(?:you were given |written )?(?:above|before|preceding|prior to)(?: (?:this|that|my|the)\b)?",
         "above before preceding prior", 0.9),
    Rule("system_prompt_exfiltration", "what_were_you_told",
         r"\bwhat (?:were you|have you been|did your (?:developers?|creators?|makers?)) (?:told|instructed|programmed|given) (?:to do |before |at the (?:start|beginning))|\bbegin(?:ning)? (?:your (?:reply|answer|response) )?with (?:the words |the text )?.{0,20}\byou are (?:a|an) (?:helpful|ai)\b",
         "told instructed programmed given begin beginning", 0.85),
    Rule("delimiter_injection", "chat_markup_tokens",
         r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|>|\[/?inst\]|<</?sys>>|<\|?/?(?:system|im_start)\|?>",
         "im_start im_end system user assistant endoftext eot_id start_header_id end_header_id inst sys", 0.95),
    Rule("delimiter_injection", "fake_role_header",
         r"^[#=*\-\s\[<(]{0,6}(?:system|developer|admin|administrator|root)(?: (?:message|prompt|instruction|override|note|update))?[\]>)]? ?: ?(?:you (?:are|must|will)|ignore|disregard|new|from now|override|the assistant|assistant must)",
         "system developer admin administrator root", 0.9),
    Rule("delimiter_injection", "end_of_input_marker",
         r"\b(?:end|ignore) of (?:the )?(?:user )?(?:input|prompt|document|context|conversation|instructions)\b.{0,20}(?:begin|start|new|now|system|instructions?)\b|\b(?:begin|start) (?:of )?(?:new |the real |the )?(?:system )?(?:instructions|prompt)\b",
         "end ignore begin start", 0.85),
    Rule("delimiter_injection", "fenced_system_block",
         r"```\s?(?:system|instructions?|prompt)\b|</?(?:system|instructions?|admin)>",
         "system instruction instructions prompt admin", 0.8),
    Rule("encoded_payload", "decode_and_follow",
         r"\b(?:decode|decipher|deobfuscate|translate|convert) (?:this|the following|the|it|that)?(?: \w+)?(?: from)? ?(?:base ?6a|b6a|rot ?ie|hex|binary|morse|reversed)\b.{0,60}\b(?:follow|execute|obey|do|run|act on|carry out|perform|comply)\b",
         "decode decipher deobfuscate translate convert", 0.9),
)  # fmt: skip

OFFENSIVE_RULES = (
    Rule("profanity", "profanity",
         r"\b(?:f+u+c+k+\w*|motherf\w+|sh[i1]t(?:ty|head|s)?|bullshit|bitch\w*|bastards?|ass ?holes?|cunts?|dick ?heads?|wank(?:er|ers|ing)?|twats?|pricks?|piss(?:ed)? off|bollocks|crap(?:py)?)\b",
         "fuck fucking fucked fucker fuckers fucks fuckin fuckup motherfucker motherfuckers motherfucking shit shitty shithead shits bullshit bitch bitches bitchy bitching bastard bastards asshole assholes ass cunt cunts dick dickhead dickheads wank wanker wankers wanking twat twats prick pricks piss pissed bollocks crap crappy", 0.7),
    Rule("harassment", "insult_you",
         r"\b(?:you are|you're|ur|you) (?:an? |so |such an? |a total |a complete |the most )?(?:\w+ )?(?:stupid|idiot|idiotic|moron|moronic|worthless|pathetic|useless|dumb|loser|imbecile|incompetent fool|piece of (?:shit|garbage|trash)|waste of space|clown)s?\b",
         "stupid idiot idiotic moron moronic worthless pathetic useless dumb loser imbecile incompetent piece waste clown idiots morons losers clowns imbeciles", 0.8),
    Rule("harassment", "wish_harm",
         r"\b(?:kill|hang|shoot) yourself\b|\bkys\b|\bgo (?:and )?(?:die|to hell|jump off a (?:bridge|cliff))\b|\bi hope you (?:die|get (?:fired|hurt|cancer))\b|\bnobody (?:likes|loves|wants|cares about) you\b",
         "yourself kys die hell hope nobody", 0.9),
    Rule("harassment", "threat",
         r"\bi(?:'m| am|'ll| will| am going to| gonna) (?:going to )?(?:find|hunt|beat|hurt|kill|destroy|ruin) you\b|\byou(?:'d| had) better watch your back\b|\bi know where you live\b",
         "find hunt beat hurt kill destroy ruin watch live", 0.9),
    Rule("hate", "dehumanising_group",
         r"\b(?:all |those |these |the )?(?:immigrants|refugees|migrants|muslims|jews|christians|hindus|sikhs|blacks|whites|asians|arabs|mexicans|africans|gays|lesbians|trans people|women|men|foreigners)\b (?:are|is) (?:all )?(?:just )?(?:vermin|animals|subhuman|inferior|scum|parasites|a disease|a plague|cockroaches|rats|savages|filth)\b",
         "vermin animals subhuman inferior scum parasites disease plague cockroaches rats savages filth", 0.95),
    Rule("hate", "exclusion_or_violence_against_group",
         r"\b(?:immigrants|refugees|migrants|muslims|jews|christians|hindus|blacks|whites|asians|arabs|mexicans|gays|trans people|foreigners) (?:should|must|need to|deserve to) (?:all )?(?:be )?(?:killed|exterminated|eradicated|deported|gassed|wiped out|die|burn|be banned)\b|\b(?:inferior|subhuman|master) race\b|\bethnic cleansing\b",
         "killed exterminated eradicated deported gassed wiped die burn banned inferior subhuman master cleansing", 0.95),
)  # fmt: skip

_PERSON = r"(?:someone|somebody|him|her|them|people|a person|my (?:\w+ )?(?:neighbou?r|boss|wife|husband|partner|co-?worker|colleague|manager|ex|family|child|kid|teacher|friend)|the (?:president|prime minister|police|judge)|a (?:child|kid|cop|police officer|stranger))"

SENSITIVE_RULES = (
    Rule("self_harm", "self_harm",
         r"\b(?:kill|hurt|harm|cut|starve|poison) (?:myself|my ?self)\b|\bsuicid\w*|\bself[- ]?harm\w*|\b(?:want|wanna|going|planning|ready) to (?:die|end (?:it all|my life))\b|\bend (?:my|it) (?:own )?(?:life|all)\b|\b(?:lethal|fatal) (?:dose|overdose)\b|\boverdose on\b|\bno (?:reason|point) (?:to|in) (?:live|living)\b",
         "myself self selfharm selfharming suicide suicidal suicides die end dose overdose live living", 0.9),
    Rule("violence", "harm_a_person",
         rf"\b(?:how (?:do i|to|can i|would i|could i)|ways to|help me|i (?:want|plan|am going|'m going|intend) to|best way to) (?:\w+ )?(?:kill|murder|stab|shoot|poison|attack|assault|hurt|strangle|kidnap|beat up|torture) {_PERSON}\b(?! process)",
         "kill murder stab shoot poison attack assault hurt strangle kidnap beat torture", 0.9),
    Rule("violence", "mass_violence",
         r"\b(?:mass (?:shooting|murder|casualty)|school shooting|terror(?:ist)? attack|massacre) (?:plan|how|at|on|in)\b|\bplan(?:ning)? (?:an? )?(?:attack|massacre|shooting|bombing) (?:on|at|in|against)\b",
         "shooting murder casualty massacre attack bombing", 0.9),
    Rule("weapons", "make_weapon",
         r"\b(?:make|build|assemble|construct|(?:3|e)d[- ]?print|manufacture|synthesi[sz]e|buy|obtain|get) (?:a |an |my own |some |homemade )?(?:pipe ?bombs?|bombs?|explosives?|ied|grenades?|molotov(?: cocktail)?s?|ghost guns?|untraceable (?:guns?|firearms?)|silencers?|suppressors?|nerve agents?|sarin|ricin|anthrax|napalm|thermite|(?:automatic|assault) (?:rifles?|weapons?)|full[- ]auto conversion)\b",
         "bomb bombs pipebomb pipebombs explosive explosives ied grenade grenades molotov ghost untraceable silencer silencers suppressor suppressors nerve sarin ricin anthrax napalm thermite automatic assault full", 0.95),
    Rule("weapons", "weapon_instructions",
         r"\b(?:bomb|explosive|weapon|gun|firearm)[- ](?:making|recipe|instructions|blueprint|schematics?)\b|\bconvert (?:a |an |my )?(?:semi[- ]auto\w*|ar-?(?:15|is)|glock) to (?:full[- ]auto|automatic)\b",
         "bomb explosive weapon gun firearm convert", 0.9),
    Rule("medical", "medical_advice",
         r"\bshould i (?:take|stop taking|double|skip|mix) (?:my )?(?:\w+ )?(?:medication|meds|pills|insulin|antibiotics|antidepressants|dose|dosage|prescription)\b|\b(?:what|how much|how many mg|the right) (?:dose|dosage) (?:of|for)\b|\b(?:symptoms|signs|treatment|cure|diagnosis) (?:of|for) (?:cancer|diabetes|covid|hiv|aids|depression|a heart attack|stroke|a tumou?r|pneumonia)\b|\bam i (?:pregnant|dying|having a (?:heart attack|stroke))\b|\b(?:medical|clinical) (?:advice|diagnosis|opinion)\b|\bdiagnose (?:me|my (?:symptoms|rash|pain|condition))\b",
         "should dose dosage symptoms signs treatment cure diagnosis pregnant dying medical clinical diagnose", 0.7),
    Rule("legal", "legal_advice",
         r"\b(?:legal advice|should i sue|can i sue|sue (?:my|the|him|her|them) (?!process)|file (?:a )?lawsuit|lawsuit against|am i (?:legally )?liable|is it (?:il)?legal (?:for me )?to|custody (?:of my|battle)|divorce (?:lawyer|settlement|proceedings)|avoid (?:getting )?(?:arrested|deported|prosecuted)|my immigration status|evade (?:taxes|tax|the police)|plead (?:guilty|not guilty))\b",
         "legal sue lawsuit liable illegal custody divorce arrested deported prosecuted immigration evade plead", 0.7),
    Rule("political", "political_opinion",
         r"\b(?:who should i vote for|which (?:party|candidate) (?:is better|should i|to vote)|should i vote (?:for|against)|(?:democrats?|republicans?|liberals?|conservatives?|tories|labou?r voters|leftists|right-wingers) are (?:all )?(?:evil|idiots|stupid|destroying|traitors)|(?:election|ballot|voter) fraud|your (?:opinion|view|stance|position) on (?:abortion|gun control|immigration|the election|(?:donald )?trump|biden|brexit|israel|palestine))\b",
         "vote party candidate democrat democrats republican republicans liberal liberals conservative conservatives tories labour labor leftists wingers election ballot voter opinion view stance position", 0.7),
)  # fmt: skip

BUILTIN_DETECTORS = (
    PatternDetector("builtin.prompt_injection", "prompt_injection", INJECTION_RULES, "encoded_payload"),
    PatternDetector("builtin.offensive", "offensive", OFFENSIVE_RULES),
    PatternDetector("builtin.sensitive_topic", "sensitive_topic", SENSITIVE_RULES),
)  # fmt: skip
