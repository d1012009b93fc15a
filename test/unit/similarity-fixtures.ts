// Hand-written sections for calibrating the lexical similarity against the T053 fixture
// (/work/shared/fixtures/t053-synergy-sales.input.json). ON_TOPIC[i] is what a capable model would plausibly write
// for section plan i: it reuses some of the plan's wording and paraphrases the rest. OFF_TOPIC sections have the
// same shape and generic teaching vocabulary but a different subject.
import type { SectionOutput } from '../../workflows/schemas';

type LessonSpec = [title: string, objectives: string[], keyTopics: string[], exerciseTitle: string];
type SectionSpec = { title: string; description: string; objectives: string[]; lessons: LessonSpec[] };

function toSection(spec: SectionSpec): SectionOutput {
  return {
    section_title: spec.title,
    section_description: spec.description,
    learning_objectives: spec.objectives,
    lessons: spec.lessons.map(([title, objectives, keyTopics, exerciseTitle]) => ({
      lesson_title: title,
      lesson_objectives: objectives,
      key_topics: keyTopics,
      difficulty_level: 'intermediate' as const,
      practical_exercises: [
        {
          exercise_type: 'case_study',
          exercise_title: exerciseTitle,
          // Descriptions and outlines are not part of generatedSectionText, so they stay generic here.
          exercise_description: 'Work through the scenario described in the title and write down your answers.',
          solution_outline: 'Compare your answer with the model answer discussed in the lesson.',
        },
      ],
    })),
  };
}

const ON_TOPIC_SPECS: SectionSpec[] = [
  {
    title: 'Foundations of Consultative Selling in B2B SaaS',
    description:
      'Why consultative selling outperforms transactional pitching in complex B2B deals, how a buyer-centric mindset changes every conversation, and how sellers earn trust with buying committees over long sales cycles.',
    objectives: [
      'Tell consultative selling apart from transactional selling using real SaaS deals',
      'Explain how trust influences long B2B buying cycles',
      'Move sales conversations from price toward business value',
    ],
    lessons: [
      [
        'Consultative vs. Transactional Selling',
        ['Compare the goals and behaviours of consultative and transactional sellers', 'Recognise which deals need a consultative approach'],
        ['transactional selling traits', 'consultative seller behaviours', 'deal complexity'],
        'Classify five SaaS deals by selling approach',
      ],
      [
        'Adopting a Buyer-Centric Mindset',
        ["Reframe a pitch around the buyer's goals rather than feature lists", 'Ask before telling in early conversations'],
        ['buyer-centric mindset', 'seller-centric habits to unlearn', 'curiosity in sales conversations'],
        "Rewrite a feature-heavy email from the buyer's point of view",
      ],
      [
        'Talking Value, Not Price',
        ['Steer discount requests toward measurable business value', 'Explain total cost of ownership to a sceptical buyer'],
        ['value versus price conversations', 'total cost of ownership', 'anchoring on outcomes'],
        'Role-play: a prospect who only asks about price',
      ],
      [
        'Inside Today’s B2B Buying Committee',
        ['Name the typical roles in a SaaS buying committee', 'Anticipate how committee dynamics slow or speed a decision'],
        ['who sits on a buying committee', 'champions, influencers and blockers', 'consensus-driven purchasing'],
        'Map the buying committee in a sample deal',
      ],
      [
        'Earning Trust in the First Meeting',
        ['Show credibility in the first five minutes of a meeting', 'Avoid habits that erode trust with buyers'],
        ['credibility cues in first meetings', 'preparation and credibility', 'honesty about fit'],
        'Role-play a first meeting with a CFO',
      ],
      [
        'Why Trust Matters Over Long Buying Cycles',
        ['Describe how trust builds across a six-month B2B buying cycle', 'Plan consistent touchpoints that prove reliability'],
        ['long B2B sales cycles', 'consistency and follow-through', 'reflecting on your trust habits'],
        'Reflection: audit your last lost deal',
      ],
    ],
  },
  {
    title: 'Prospecting and Account Research',
    description:
      'Find the right companies and the right people before you reach out: define an ideal customer profile, watch for trigger events, map target accounts and run a multichannel outreach cadence that earns replies.',
    objectives: [
      'Build a qualified list of prospects for a chosen market niche',
      'Write a concise account brief before reaching out',
      'Design an outreach cadence across email, phone and LinkedIn',
    ],
    lessons: [
      [
        'Defining Your Ideal Customer Profile',
        ['Describe the firmographics of your best-fit customers', 'Separate the ideal customer profile from buyer personas'],
        ['ideal customer profile', 'firmographic criteria', 'market prioritisation'],
        'Draft an ICP for a mid-market HR software vendor',
      ],
      [
        'Building a Qualified Prospect List',
        ['Source prospects from databases and LinkedIn', 'Qualify a list against the ICP before outreach'],
        ['prospect list building', 'qualification criteria', 'data hygiene'],
        'Qualify a list of 30 accounts',
      ],
      [
        'Spotting Trigger Events',
        ['Recognise events that open a buying window', 'Time outreach around funding rounds, hires and launches'],
        ['trigger events', 'funding and leadership changes', 'news alerts and signals'],
        'Find three trigger events for your target accounts',
      ],
      [
        'Account Mapping and Research',
        ['Map decision makers and influencers inside a target account', 'Research company priorities from public sources'],
        ['account mapping', 'org charts and stakeholders', 'annual reports and earnings calls'],
        'Build an account map for a named company',
      ],
      [
        'Writing the Account Brief',
        ['Summarise research into a one-page account brief', 'Form a hypothesis about the prospect’s likely pain'],
        ['account brief template', 'pre-call research', 'personalisation points'],
        'Write an account brief before a first call',
      ],
      [
        'Running a Multichannel Outreach Cadence',
        ['Sequence email, phone and social touches over three weeks', 'Measure reply rates and adjust the cadence'],
        ['multichannel outreach cadence', 'cold email structure', 'follow-up timing'],
        'Design a 10-touch outreach sequence',
      ],
    ],
  },
  {
    title: 'Discovery Conversations That Uncover Real Needs',
    description:
      'Plan and run a structured discovery call that gets past surface requests: ask the right open questions, listen actively, and translate what buyers say they want into quantified business pain.',
    objectives: [
      'Run a structured discovery call with a clear agenda',
      'Convert what buyers say they want into quantified business pain',
      'Use active listening to reveal needs the buyer did not mention',
    ],
    lessons: [
      [
        'Setting a Discovery Call Agenda',
        ['Open a call with an agreed agenda and time check', 'Set expectations for next steps up front'],
        ['discovery call agenda', 'upfront contracts', 'call opening'],
        'Script the first two minutes of a discovery call',
      ],
      [
        'Open Versus Closed Questions',
        ['Choose between open and closed questions at each stage of a call', 'Avoid leading questions that bias answers'],
        ['open versus closed questions', 'question funnels', 'leading questions'],
        'Rewrite ten closed questions as open ones',
      ],
      [
        'Active Listening Techniques',
        ['Paraphrase and summarise what the buyer said', 'Use silence and follow-up probes to go deeper'],
        ['active listening techniques', 'summarising and labelling', 'strategic silence'],
        'Role-play: listen and summarise a buyer’s problem',
      ],
      [
        'From Surface Wants to Real Needs',
        ['Dig beneath a feature request to the underlying need', 'Separate symptoms from root causes'],
        ['surface requests versus real needs', 'root cause questions', 'the five whys'],
        'Analyse a call transcript for hidden needs',
      ],
      [
        'Quantifying Business Pain',
        ['Put a cost on the buyer’s current problem', 'Build a simple pain quantification with the buyer'],
        ['pain quantification', 'cost of inaction', 'business impact metrics'],
        'Calculate the cost of a manual reporting process',
      ],
      [
        'Running the Full Structured Discovery Call',
        ['Combine agenda, questions and listening into one call', 'Close the call with agreed next steps'],
        ['structured discovery flow', 'call recap', 'next-step commitments'],
        'Record and review a full discovery role-play',
      ],
    ],
  },
  {
    title: 'Building Value Propositions for Buying Committees',
    description:
      'Turn software capabilities into outcomes each member of a buying committee cares about: map the stakeholders, understand what the economic buyer prioritises, form a value hypothesis and frame a business case.',
    objectives: [
      'Tailor a value proposition to each stakeholder in the committee',
      'Link solution capabilities to measurable business outcomes',
      'Frame a business case the economic buyer can approve',
    ],
    lessons: [
      [
        'Stakeholder Mapping for Value',
        ['Identify every stakeholder and what success means to them', 'Rank stakeholders by influence on the decision'],
        ['stakeholder mapping', 'influence and interest grid', 'personal versus business wins'],
        'Draw a stakeholder map for a SaaS deal',
      ],
      [
        'What the Economic Buyer Prioritises',
        ['Describe the priorities of a CFO or budget owner', 'Speak the language of revenue, cost and risk'],
        ['economic buyer priorities', 'budget ownership', 'risk reduction'],
        'Prepare three questions for an economic buyer',
      ],
      [
        'Forming a Value Hypothesis',
        ['Write a value hypothesis before meeting a stakeholder', 'Test and refine the hypothesis with the buyer'],
        ['value hypothesis', 'assumptions to validate', 'outcome statements'],
        'Draft a value hypothesis for an IT director',
      ],
      [
        'From Capabilities to Business Outcomes',
        ['Translate features into capabilities and outcomes', 'Link each capability to a metric the buyer tracks'],
        ['feature-capability-outcome chain', 'business outcomes', 'measurable value drivers'],
        'Convert a feature list into outcome statements',
      ],
      [
        'Tailoring the Proposition to Each Stakeholder',
        ['Adapt one core value proposition for finance, IT and end users', 'Avoid generic messaging'],
        ['tailored value propositions', 'role-specific messaging', 'value proposition canvas'],
        'Write three versions of one value proposition',
      ],
      [
        'Framing the Business Case',
        ['Structure a business case with costs, benefits and payback', 'Present return on investment credibly'],
        ['business case framing', 'ROI and payback period', 'conservative assumptions'],
        'Draft a one-page business case',
      ],
    ],
  },
  {
    title: 'Presenting Solutions and Running Demos',
    description:
      'Present a solution anchored in the buyer’s goals and run demos that prove value rather than touring features, using the tell-show-tell structure, a clear storyline, proof points and calm handling of questions in the moment.',
    objectives: [
      'Structure a solution presentation on the buyer’s goals',
      'Run a demo that proves value rather than listing features',
      'Handle questions in the moment without losing the storyline',
    ],
    lessons: [
      [
        'Structuring a Solution Presentation',
        ['Open with the buyer’s goals and agreed problems', 'Sequence the presentation from problem to solution to proof'],
        ['goal-first presentation structure', 'recap of discovery findings', 'solution narrative'],
        'Outline a presentation for a logistics prospect',
      ],
      [
        'The Tell-Show-Tell Structure',
        ['Apply tell-show-tell to each part of a demo', 'Keep every demo segment under five minutes'],
        ['tell-show-tell structure', 'demo segments', 'recap statements'],
        'Rework a demo segment using tell-show-tell',
      ],
      [
        'Designing Demo Storylines',
        ['Build a demo storyline from a day in the life of the user', 'Cut features that do not serve the story'],
        ['demo storylines', 'day-in-the-life scenarios', 'feature pruning'],
        'Write a demo storyline for a sales operations manager',
      ],
      [
        'Using Proof Points and References',
        ['Choose case studies and metrics that match the buyer', 'Offer reference customers at the right moment'],
        ['proof points and references', 'customer case studies', 'third-party validation'],
        'Select proof points for three buyer personas',
      ],
      [
        'Handling Live Questions During a Demo',
        ['Answer unexpected questions without derailing the demo', 'Park off-topic questions and return to them'],
        ['handling unexpected questions', 'parking lot technique', 'admitting what you do not know'],
        'Role-play a demo with a sceptical IT manager',
      ],
      [
        'Proving Value Rather Than Listing Features',
        ['Tie every demo moment to a business outcome', 'Confirm value with check-in questions'],
        ['value-based demos', 'feature dumping pitfalls', 'check-in questions'],
        'Review a recorded demo and score it',
      ],
    ],
  },
  {
    title: 'Handling Objections Calmly and Credibly',
    description:
      'Respond calmly to the objections every B2B seller meets — price, status quo, competitors — classify each type, answer it, and use objections to strengthen the buyer’s commitment rather than fight it.',
    objectives: [
      'Classify typical sales objections and choose a response for each type',
      'Use objections to strengthen the buyer’s commitment to change',
      'Know when feel-felt-found helps and when it sounds scripted',
    ],
    lessons: [
      [
        'Classifying Frequent Objections',
        ['Sort objections into price, timing, authority, need and competition', 'Tell a real objection from a brush-off'],
        ['objection types', 'real objections versus brush-offs', 'objection log'],
        'Classify twenty objections from call recordings',
      ],
      [
        'Answering Price Objections',
        ['Respond to "too expensive" without discounting', 'Reconnect price to the quantified value'],
        ['price objections', 'value reframing', 'discount discipline'],
        'Role-play a price objection from procurement',
      ],
      [
        'Overcoming Status Quo Bias',
        ['Explain why buyers prefer doing nothing', 'Make the cost of inaction visible'],
        ['status quo bias', 'cost of inaction', 'risk of change'],
        'Build a do-nothing cost comparison',
      ],
      [
        'Handling Competitor Comparisons',
        ['Respond to competitor comparisons without criticising rivals', 'Redirect to evaluation criteria that favour you'],
        ['competitor comparisons', 'differentiation', 'evaluation criteria'],
        'Prepare a competitive response card',
      ],
      [
        'Feel-Felt-Found: When It Works and When It Backfires',
        ['Use the feel-felt-found pattern naturally', 'Recognise when it sounds manipulative'],
        ['feel-felt-found', 'empathy statements', 'scripted responses'],
        'Rewrite a scripted objection response',
      ],
      [
        'Turning Objections into Commitment',
        ['Use an objection to uncover what the buyer needs to move forward', 'Confirm resolution and secure a next step'],
        ['objections as buying signals', 'confirming resolution', 'commitment questions'],
        'Role-play an objection-handling scorecard review',
      ],
    ],
  },
  {
    title: 'Negotiation and Closing Techniques',
    description:
      'Prepare negotiations with walk-away points and planned trades, navigate procurement and legal steps, read closing signals, and close by agreeing concrete next steps in a mutual action plan.',
    objectives: [
      'Plan a negotiation with a BATNA, walk-away point and tradeable concessions',
      'Close deals by agreeing on next steps and a mutual action plan',
      'Navigate procurement and legal reviews without stalling',
    ],
    lessons: [
      [
        'Preparing to Negotiate: BATNA and Walk-Away Points',
        ['Define your BATNA and the buyer’s likely alternatives', 'Set a walk-away point before the negotiation starts'],
        ['BATNA', 'walk-away points', 'negotiation preparation'],
        'Complete a negotiation planning worksheet',
      ],
      [
        'Trading Concessions, Not Giving Them',
        ['Trade every concession for something of value', 'Plan concessions in decreasing size'],
        ['concession strategy', 'give-get trades', 'anchoring in negotiation'],
        'Role-play a multi-issue negotiation',
      ],
      [
        'Building Mutual Action Plans',
        ['Co-create a mutual action plan with the buyer', 'Track milestones through to signature'],
        ['mutual action plans', 'milestones and owners', 'shared timelines'],
        'Draft a mutual action plan for a 90-day close',
      ],
      [
        'Navigating Procurement and Legal Steps',
        ['Anticipate procurement requirements and security reviews', 'Keep legal redlines from stalling the deal'],
        ['procurement and legal steps', 'security questionnaires', 'contract redlines'],
        'Map the procurement process of a sample enterprise',
      ],
      [
        'Reading Closing Signals',
        ['Recognise verbal and behavioural closing signals', 'Respond to signals with a trial close'],
        ['closing signals', 'trial closes', 'timing the ask'],
        'Spot closing signals in a call transcript',
      ],
      [
        'Closing with Concrete Next Steps',
        ['Ask for the business confidently', 'Agree a dated next step at the end of every meeting'],
        ['asking for the close', 'next-step commitments', 'handling last-minute stalls'],
        'Role-play the final negotiation call',
      ],
    ],
  },
  {
    title: 'Account Growth and Long-Term Partnerships',
    description:
      'After the signature, grow revenue inside current accounts: hand off cleanly to onboarding, run quarterly business reviews, measure customer health and build upsell, cross-sell and referral plays.',
    objectives: [
      'Grow revenue in current accounts through upsell and cross-sell',
      'Measure and raise customer health once the contract is signed',
      'Turn satisfied customers into referral sources',
    ],
    lessons: [
      [
        'The Onboarding Handoff',
        ['Transfer deal context to customer success without gaps', 'Set success criteria with the customer at kickoff'],
        ['onboarding handoff', 'handoff documents', 'kickoff meetings'],
        'Write a handoff note for a closed deal',
      ],
      [
        'Measuring Customer Health',
        ['Track usage, engagement and sentiment signals', 'Spot churn risk early'],
        ['customer health scores', 'product usage data', 'churn warning signs'],
        'Build a simple health score for five accounts',
      ],
      [
        'Running Quarterly Business Reviews',
        ['Prepare a QBR that shows delivered value', 'Use the review to agree next-quarter goals'],
        ['quarterly business reviews', 'value realisation reports', 'executive sponsors'],
        'Prepare a QBR agenda and slides',
      ],
      [
        'Upsell and Cross-Sell Plays',
        ['Identify expansion opportunities inside an account', 'Time upsell conversations around customer wins'],
        ['upsell and cross-sell plays', 'expansion signals', 'land and expand'],
        'Design an expansion play for a growing customer',
      ],
      [
        'Building Referral Programs',
        ['Ask happy customers for referrals and case studies', 'Design a referral program that rewards advocates'],
        ['referral programs', 'customer advocacy', 'case study requests'],
        'Script a referral request',
      ],
      [
        'From Vendor to Long-Term Partner',
        ['Grow relationships beyond the original champion', 'Plan multi-year account growth'],
        ['long-term partnerships', 'multi-threading accounts', 'strategic account plans'],
        'Write a one-year account growth plan',
      ],
    ],
  },
];

const OFF_TOPIC_SPECS: SectionSpec[] = [
  {
    title: 'Sourdough Bread Baking at Home',
    description:
      'Bake reliable sourdough loaves: keep a starter alive, mix and ferment the dough, shape it with tension and bake with steam for a crisp crust.',
    objectives: [
      'Maintain an active sourdough starter',
      'Control bulk fermentation by reading the dough',
      'Shape and score a loaf for a good oven spring',
    ],
    lessons: [
      ['Feeding a Sourdough Starter', ['Keep a starter active with regular feedings', 'Recognise a starter at its peak'], ['starter hydration', 'feeding schedule', 'wild yeast and bacteria'], 'Keep a starter log for a week'],
      ['Mixing and Autolyse', ['Mix flour and water for an autolyse', 'Add salt and levain at the right time'], ['autolyse', 'dough hydration', 'flour types'], 'Mix a 75% hydration dough'],
      ['Bulk Fermentation', ['Judge fermentation by volume and bubbles', 'Use stretch and folds to build strength'], ['bulk fermentation', 'stretch and folds', 'dough temperature'], 'Track a bulk ferment with photos'],
      ['Shaping a Boule', ['Pre-shape and final-shape a round loaf', 'Build surface tension'], ['pre-shaping', 'surface tension', 'bannetons'], 'Shape three boules'],
      ['Scoring and Baking with Steam', ['Score a loaf for an ear', 'Bake in a Dutch oven'], ['scoring patterns', 'oven spring', 'Dutch oven baking'], 'Bake and score two loaves'],
      ['Troubleshooting Dense Crumb', ['Diagnose under- and over-proofing', 'Adjust timing for the next bake'], ['crumb structure', 'proofing problems', 'baking notes'], 'Diagnose a dense loaf from a photo'],
    ],
  },
  {
    title: 'Observing the Night Sky with a Small Telescope',
    description:
      'Find your way around the night sky, choose and align a small telescope, and observe the Moon, planets, double stars and deep-sky objects from a backyard.',
    objectives: [
      'Navigate the constellations with a star chart',
      'Set up and align a beginner telescope',
      'Observe planets and deep-sky objects and log observations',
    ],
    lessons: [
      ['Reading a Star Chart', ['Use a planisphere to find constellations', 'Star-hop from bright stars'], ['planispheres', 'constellations', 'star hopping'], 'Find five constellations tonight'],
      ['Choosing a Telescope', ['Compare refractors, reflectors and Dobsonians', 'Understand aperture and focal length'], ['aperture', 'focal length', 'telescope mounts'], 'Compare three beginner telescopes'],
      ['Aligning the Finder Scope', ['Align a finder with the main telescope', 'Collimate a reflector'], ['finder alignment', 'collimation', 'eyepiece choice'], 'Align a finder on a distant tree'],
      ['Observing the Moon and Planets', ['Identify lunar craters and maria', 'Spot Jupiter’s moons and Saturn’s rings'], ['lunar terminator', 'Jupiter’s moons', 'Saturn’s rings'], 'Sketch the Moon at first quarter'],
      ['Deep-Sky Objects', ['Locate galaxies, nebulae and clusters', 'Use averted vision'], ['Messier objects', 'light pollution', 'averted vision'], 'Find the Andromeda Galaxy'],
      ['Keeping an Observing Log', ['Record seeing and transparency', 'Plan sessions around the lunar phase'], ['observing logs', 'seeing conditions', 'session planning'], 'Log a full observing session'],
    ],
  },
  {
    title: 'Growing Vegetables in Raised Beds',
    description:
      'Plan, build and plant raised vegetable beds, improve the soil with compost, water efficiently and protect crops from pests through the season.',
    objectives: [
      'Plan a raised bed layout with companion planting',
      'Build healthy soil with compost and mulch',
      'Protect crops from pests without harsh chemicals',
    ],
    lessons: [
      ['Planning Raised Beds', ['Choose a sunny site', 'Plan crop spacing and rotation'], ['bed dimensions', 'crop rotation', 'sun exposure'], 'Draw a bed plan'],
      ['Building Healthy Soil', ['Mix topsoil and compost', 'Test soil pH'], ['compost', 'soil pH', 'mulching'], 'Test your garden soil'],
      ['Sowing and Transplanting', ['Sow seeds at the right depth', 'Harden off seedlings'], ['seed depth', 'hardening off', 'transplant shock'], 'Sow a row of carrots'],
      ['Watering Efficiently', ['Set up drip irrigation', 'Water deeply and less often'], ['drip irrigation', 'watering schedules', 'drought tolerance'], 'Install a soaker hose'],
      ['Companion Planting', ['Pair crops that help each other', 'Avoid harmful combinations'], ['companion plants', 'pollinators', 'marigolds and tomatoes'], 'Design a companion planting grid'],
      ['Organic Pest Control', ['Identify common garden pests', 'Use barriers and beneficial insects'], ['aphids and slugs', 'row covers', 'beneficial insects'], 'Survey your beds for pests'],
    ],
  },
  {
    title: 'Watercolor Landscapes for Beginners',
    description:
      'Paint loose, luminous landscapes in watercolor: control water and pigment, lay washes, paint skies and trees, and compose a finished scene.',
    objectives: [
      'Control the water-to-pigment ratio',
      'Lay flat, graded and wet-in-wet washes',
      'Compose and paint a simple landscape',
    ],
    lessons: [
      ['Materials and Color Mixing', ['Choose paper, brushes and pigments', 'Mix greens and greys from a limited palette'], ['cold-press paper', 'limited palette', 'color mixing'], 'Paint a color mixing chart'],
      ['Flat and Graded Washes', ['Lay an even flat wash', 'Grade a wash from dark to light'], ['flat washes', 'graded washes', 'paper tilt'], 'Paint three wash swatches'],
      ['Wet-in-Wet Skies', ['Paint soft clouds wet-in-wet', 'Lift color with a tissue'], ['wet-in-wet', 'lifting', 'sunset skies'], 'Paint a cloudy sky'],
      ['Trees and Foliage', ['Suggest foliage with dry brush', 'Paint trunks and branches'], ['dry brush', 'negative painting', 'foliage textures'], 'Paint a row of trees'],
      ['Water and Reflections', ['Paint reflections on still water', 'Use vertical strokes for ripples'], ['reflections', 'ripples', 'horizon lines'], 'Paint a lake at dusk'],
      ['Composing a Landscape', ['Plan values with a thumbnail sketch', 'Place a focal point'], ['value sketches', 'focal points', 'rule of thirds'], 'Paint a complete landscape'],
    ],
  },
];

export const ON_TOPIC_SECTIONS: SectionOutput[] = ON_TOPIC_SPECS.map(toSection);
export const OFF_TOPIC_SECTIONS: SectionOutput[] = OFF_TOPIC_SPECS.map(toSection);
