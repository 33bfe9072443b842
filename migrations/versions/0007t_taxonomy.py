"""taxonomy of the source reports: new phenomena, processes and channels, sharper help texts,
Bibob retired as a process (it is an instrument), and every signal's phenomenon in signal_phenomena

Revision ID: 0007t_taxonomy
Revises: 0007c_channels
Create Date: 2026-12-01 03:50:00

A data migration. The terms are copied here (not imported from meldpunt.taxonomy.seed) so this
revision keeps doing the same thing whatever the seed later says. Nothing is deleted: a retired
term stays as an inactive row, so every code an older signal carries still has its label. A label
or help text is changed only where the beheerder left the old seed text; new terms are added only
where their (kind, code) is free.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007t_taxonomy'
down_revision = '0007c_channels'
branch_labels = None
depends_on = None

_NEW_TERMS = [('phenomenon',
  'identiteitsfraude',
  'Identiteitsfraude',
  'Iemand gebruikt de identiteit van een ander, of valse papieren, bijvoorbeeld aan de balie of bij een aanvraag.',
  7),
 ('phenomenon',
  'belangenverstrengeling',
  'Bevoordeling en belangenverstrengeling',
  'Een medewerker of bestuurder bevoordeelt familie, vrienden of een eigen bedrijf, of heeft een belang bij een '
  'besluit.',
  9),
 ('phenomenon',
  'beinvloeding_besluitvorming',
  'Beïnvloeding van besluitvorming',
  'Druk of lobby van buiten om een besluit, vergunning of plan een bepaalde kant op te krijgen.',
  10),
 ('phenomenon',
  'lekken_informatie',
  'Lekken van informatie',
  'Vertrouwelijke informatie komt buiten terecht: over controles, onderzoeken of personen. Niet alleen via ICT, ook '
  'in een gesprek.',
  11),
 ('phenomenon',
  'verduistering',
  'Verduistering',
  'Geld of spullen van de organisatie verdwijnen, bijvoorbeeld uit de kas of de kluis, of betalingen naar een eigen '
  'rekening.',
  12),
 ('phenomenon',
  'afpersing',
  'Afpersing',
  'Iemand moet betalen of iets doen, anders gebeurt er iets: bij een ondernemer, medewerker of bestuurder.',
  15),
 ('phenomenon',
  'ronselen_jongeren',
  'Ronselen van jongeren',
  'Jongeren worden benaderd voor klussen als koerier, geldezel of uitkijk, bijvoorbeeld rond school of online.',
  16),
 ('phenomenon',
  'zorgcriminaliteit',
  'Zorgfraude en zorgcriminaliteit',
  'Zorg die wel betaald maar niet geleverd wordt, zorgbedrijven met vreemde eigenaren, cliënten die worden '
  'uitgebuit.',
  17),
 ('phenomenon',
  'cybercrime',
  'Cybercrime',
  'Phishing, hacken, gijzelsoftware of online oplichting, ook gericht op de organisatie zelf.',
  18),
 ('phenomenon',
  'milieucriminaliteit',
  'Milieu- en afvalcriminaliteit',
  'Afval dumpen of verbranden, vreemde opslag van vaten of grond, afvalbedrijven die niet kloppen.',
  19),
 ('phenomenon',
  'vrijplaatsen',
  'Vrijplaatsen',
  'Een plek waar regels niet meer gelden en waar overheid of hulpdiensten moeilijk binnenkomen.',
  20),
 ('process',
  'belastingen',
  'Belastingen en invordering',
  'Aanslagen, kwijtschelding of invordering: vreemde betalers, contant geld, verzoeken om een uitzondering.',
  8),
 ('process',
  'evenementen',
  'Evenementen',
  'Organisatoren, beveiligers of geldstromen rond een evenement die niet kloppen.',
  11),
 ('process',
  'deelnemingen',
  'Deelnemingen en verbonden partijen',
  'Bedrijven en stichtingen waarin de gemeente deelneemt: vreemde partners of geldstromen.',
  12),
 ('process',
  'vooroverleg',
  'Vooroverleg',
  'Gesprekken vóór een aanvraag of besluit: druk, beloftes of vragen naar informatie die niet gedeeld mag worden.',
  13),
 ('process',
  'inhuur_nevenwerkzaamheden',
  'Inhuur en nevenwerkzaamheden',
  'Ingehuurde krachten of nevenwerk van medewerkers dat botst met hun werk of toegang geeft tot informatie.',
  15),
 ('channel', 'telefoon', 'Telefoon', 'Telefonisch doorgegeven aan het meldpunt.', 1),
 ('channel', 'brief', 'Brief', 'Per post ontvangen.', 4),
 ('channel', 'ondernemer', 'Ondernemer', 'Van een ondernemer.', 9),
 ('channel',
  'publiek_formulier',
  'Openbaar formulier',
  'Anoniem gemeld door een inwoner of ondernemer via het openbare formulier.',
  10)]

#: (kind, code, old label, old help, new label, new help): changed only where the beheerder left the old text.
_CHANGED = [('process',
  'vergunningen',
  'Vergunningverlening en ontheffingen',
  'Horeca, drank, gokken, exploitatie: aanvragen of aanvragers die niet kloppen.',
  'Vergunningverlening en ontheffingen',
  'Horeca, drank, gokken, prostitutie, coffeeshops, evenementen, exploitatie: aanvragen of aanvragers die niet '
  'kloppen.'),
 ('process',
  'handhaving',
  'Toezicht en handhaving',
  'Wat u ziet bij controles of inspecties en wat niet past.',
  'Toezicht en handhaving',
  'Wat u ziet bij controles of inspecties en wat niet past. Ook: druk om een oogje dicht te knijpen of een controle '
  'over te slaan.'),
 ('process',
  'financieel',
  'Financiële transacties',
  'Betalingen aan of van de gemeente die niet kloppen.',
  'Financiële transacties',
  'Betalingen aan of van de gemeente die niet kloppen. Ook: geld in de kas of kluis dat niet klopt.'),
 ('process',
  'personeel',
  'Personeelszaken',
  'Werving, inhuur of gedrag van medewerkers.',
  'Personeelszaken',
  'Werving, screening of gedrag van medewerkers.'),
 ('process',
  'ict',
  'ICT en autorisaties',
  'Toegang tot systemen of gegevens die niet nodig lijkt.',
  'ICT, autorisaties en informatie',
  'Toegang tot systemen of gegevens die niet nodig lijkt. Ook: informatie die naar buiten gaat, op papier of in een '
  'gesprek.'),
 ('channel',
  'mondeling',
  'Mondeling / telefoon',
  'Doorgegeven in een gesprek of telefonisch.',
  'Mondeling / gesprek',
  'Doorgegeven in een gesprek.'),
 ('channel',
  'ketenpartner',
  'Ketenpartner',
  'Van politie, RIEC of een andere partner.',
  'Ketenpartner',
  'Van politie, RIEC, Belastingdienst, een andere gemeente of een andere partner.'),
 ('channel',
  'mma',
  'Meld Misdaad Anoniem',
  'Via Meld Misdaad Anoniem.',
  'Meld Misdaad Anoniem',
  'Via Meld Misdaad Anoniem: anoniem, zonder weg terug naar de tipgever.'),
 ('channel',
  'toezicht',
  'Eigen waarneming toezicht',
  'Door toezicht of handhaving zelf gezien.',
  'BOA of toezichthouder',
  'Door een BOA, toezichthouder of handhaver gezien of doorgegeven.')]

_ORDER = {'channel': ['intern_formulier',
             'telefoon',
             'mondeling',
             'email',
             'brief',
             'ketenpartner',
             'mma',
             'toezicht',
             'inwoner',
             'ondernemer',
             'publiek_formulier'],
 'phenomenon': ['drugs',
                'witwassen',
                'vastgoedfraude',
                'mensenhandel',
                'prostitutie',
                'subsidiefraude',
                'adresfraude',
                'identiteitsfraude',
                'omkoping',
                'belangenverstrengeling',
                'beinvloeding_besluitvorming',
                'lekken_informatie',
                'verduistering',
                'infiltratie',
                'bedreiging',
                'afpersing',
                'ronselen_jongeren',
                'zorgcriminaliteit',
                'cybercrime',
                'milieucriminaliteit',
                'vrijplaatsen',
                'vakantieparken',
                'leegstand',
                'overig'],
 'process': ['vergunningen',
             'handhaving',
             'subsidies',
             'inkoop',
             'vastgoed',
             'brp',
             'reisdocumenten',
             'financieel',
             'belastingen',
             'sociaal_domein',
             'omgevingswet',
             'evenementen',
             'deelnemingen',
             'vooroverleg',
             'personeel',
             'inhuur_nevenwerkzaamheden',
             'ict',
             'besluitvorming',
             'overig']}

_BIBOB = ('process', 'bibob', 'Bibob', 'Informatie die van belang kan zijn voor een Bibob-toets.',
          'Bibob (instrument, geen werkproces)',
          'Bibob is een instrument bij besluiten, geen werkproces. Kies het werkproces, bijvoorbeeld vergunningen.')

_terms = sa.table(
    "taxonomy_terms", sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("code", sa.String),
    sa.column("label", sa.String), sa.column("help_text", sa.Text), sa.column("position", sa.Integer),
    sa.column("is_active", sa.Boolean),
)
_signals = sa.table("signals", sa.column("id", sa.Uuid), sa.column("phenomenon_code", sa.String))
_phenomena = sa.table("signal_phenomena", sa.column("signal_id", sa.Uuid), sa.column("code", sa.String),
                      sa.column("position", sa.Integer))


def _existing(bind) -> dict[tuple[str, str], tuple]:
    rows = bind.execute(sa.select(_terms.c.kind, _terms.c.code, _terms.c.label, _terms.c.help_text))
    return {(kind, code): (label, help_text) for kind, code, label, help_text in rows}


def _relabel(bind, kind, code, old_label, old_help, new_label, new_help) -> None:
    where = (_terms.c.kind == kind) & (_terms.c.code == code)
    bind.execute(sa.update(_terms).where(where, _terms.c.label == old_label).values(label=new_label))
    bind.execute(sa.update(_terms).where(where, _terms.c.help_text == old_help).values(help_text=new_help))


def upgrade():
    bind = op.get_bind()
    # A taxonomy that was never seeded (an empty database) stays empty: `flask demo` / the seed fills it.
    seeded = bind.execute(sa.select(sa.func.count()).select_from(_terms)).scalar_one() > 0
    if seeded:
        existing = _existing(bind)
        for kind, code, label, help_text, _position in _NEW_TERMS:
            if (kind, code) not in existing:
                bind.execute(sa.insert(_terms).values(kind=kind, code=code, label=label, help_text=help_text,
                                                      position=0, is_active=True))
        for change in _CHANGED:
            _relabel(bind, *change)
        for kind, codes in _ORDER.items():
            for position, code in enumerate(codes):
                bind.execute(sa.update(_terms).where(_terms.c.kind == kind, _terms.c.code == code)
                             .values(position=position))
        kind, code, old_label, old_help, new_label, new_help = _BIBOB
        _relabel(bind, *_BIBOB)
        bind.execute(sa.update(_terms).where(_terms.c.kind == kind, _terms.c.code == code).values(is_active=False))
    # Every signal names its primary phenomenon in signal_phenomena too.
    bind.execute(sa.insert(_phenomena).from_select(
        ["signal_id", "code", "position"],
        sa.select(_signals.c.id, _signals.c.phenomenon_code, sa.literal(0, sa.Integer))
        .where(_signals.c.phenomenon_code.is_not(None)),
    ))


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.delete(_phenomena))
    kind, code, old_label, old_help, new_label, new_help = _BIBOB
    _relabel(bind, kind, code, new_label, new_help, old_label, old_help)
    bind.execute(sa.update(_terms).where(_terms.c.kind == kind, _terms.c.code == code).values(is_active=True))
    for kind, code, old_label, old_help, new_label, new_help in _CHANGED:
        _relabel(bind, kind, code, new_label, new_help, old_label, old_help)
    used = {"phenomenon": "phenomenon_code", "process": "process_code", "channel": "channel"}
    for kind, code, _label, _help, _position in _NEW_TERMS:
        column = sa.column(used[kind], sa.String)
        in_use = bind.execute(sa.select(sa.func.count()).select_from(sa.table("signals", column))
                              .where(column == code)).scalar_one()
        if not in_use:
            bind.execute(sa.delete(_terms).where(_terms.c.kind == kind, _terms.c.code == code))
