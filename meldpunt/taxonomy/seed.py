"""Seed data: the taxonomy of the source reports with one line of help per choice ("waar moet ik op letten")."""

from __future__ import annotations

from meldpunt.i18n import N_
from meldpunt.taxonomy.models import TermKind

PHENOMENA = [
    ("drugs", N_("Drugsproductie en -handel"), N_("Bijvoorbeeld hennepkwekerij, drugsafval, veel bezoek kort na elkaar, stroomverbruik dat niet klopt.")),
    ("witwassen", N_("Witwassen"), N_("Grote contante betalingen, bedrijven zonder echte klanten, bezit dat niet past bij het inkomen.")),
    ("vastgoedfraude", N_("Vastgoedfraude"), N_("Panden die snel na elkaar van eigenaar wisselen, vreemde prijzen, stromannen als koper.")),
    ("mensenhandel", N_("Mensenhandel en arbeidsuitbuiting"), N_("Veel mensen op één adres, mensen die niet vrij lijken te zijn, werk zonder normale betaling.")),
    ("prostitutie", N_("Illegale prostitutie"), N_("Prostitutie zonder vergunning, bijvoorbeeld in woningen, massagesalons of hotels.")),
    ("subsidiefraude", N_("Fraude met regelingen en subsidies"), N_("Aanvragen met vreemde of valse gegevens, steeds dezelfde aanvragers of adviseurs.")),
    ("adresfraude", N_("Spookbewoning of adresfraude"), N_("Veel inschrijvingen op één adres, mensen die er niet echt wonen.")),
    ("identiteitsfraude", N_("Identiteitsfraude"), N_("Iemand gebruikt de identiteit van een ander, of valse papieren, bijvoorbeeld aan de balie of bij een aanvraag.")),
    ("omkoping", N_("Omkoping"), N_("Een aanbod van geld, cadeaus of diensten in ruil voor een gunst of informatie.")),
    ("belangenverstrengeling", N_("Bevoordeling en belangenverstrengeling"),
     N_("Een medewerker of bestuurder bevoordeelt familie, vrienden of een eigen bedrijf, of heeft een belang bij een besluit.")),
    ("beinvloeding_besluitvorming", N_("Beïnvloeding van besluitvorming"),
     N_("Druk of lobby van buiten om een besluit, vergunning of plan een bepaalde kant op te krijgen.")),
    ("lekken_informatie", N_("Lekken van informatie"),
     N_("Vertrouwelijke informatie komt buiten terecht: over controles, onderzoeken of personen. Niet alleen via ICT, ook in een gesprek.")),
    ("verduistering", N_("Verduistering"),
     N_("Geld of spullen van de organisatie verdwijnen, bijvoorbeeld uit de kas of de kluis, of betalingen naar een eigen rekening.")),
    ("infiltratie", N_("Infiltratie"), N_("Pogingen om binnen de organisatie invloed of informatie te krijgen, bijvoorbeeld via personeel of inhuur.")),
    ("bedreiging", N_("Bedreiging en intimidatie van medewerkers of bestuurders"), N_("Dreigen, druk zetten, volgen of lastigvallen, ook online. Voelt u zich onveilig? Zeg het ons.")),
    ("afpersing", N_("Afpersing"), N_("Iemand moet betalen of iets doen, anders gebeurt er iets: bij een ondernemer, medewerker of bestuurder.")),
    ("ronselen_jongeren", N_("Ronselen van jongeren"), N_("Jongeren worden benaderd voor klussen als koerier, geldezel of uitkijk, bijvoorbeeld rond school of online.")),
    ("zorgcriminaliteit", N_("Zorgfraude en zorgcriminaliteit"), N_("Zorg die wel betaald maar niet geleverd wordt, zorgbedrijven met vreemde eigenaren, cliënten die worden uitgebuit.")),
    ("cybercrime", N_("Cybercrime"), N_("Phishing, hacken, gijzelsoftware of online oplichting, ook gericht op de organisatie zelf.")),
    ("milieucriminaliteit", N_("Milieu- en afvalcriminaliteit"), N_("Afval dumpen of verbranden, vreemde opslag van vaten of grond, afvalbedrijven die niet kloppen.")),
    ("vrijplaatsen", N_("Vrijplaatsen"), N_("Een plek waar regels niet meer gelden en waar overheid of hulpdiensten moeilijk binnenkomen.")),
    ("vakantieparken", N_("Misbruik van vakantieparken"), N_("Permanente bewoning, criminele activiteiten of afgeschermde delen op een park.")),
    ("leegstand", N_("Misbruik van leegstaande (agrarische) panden"), N_("Lege schuren of panden die opeens verhuurd worden, geblindeerde ramen, 's nachts activiteit.")),
    ("overig", N_("Overig"), N_("Past het niet bij een van de andere keuzes? Kies dan deze.")),
]

PROCESSES = [
    ("vergunningen", N_("Vergunningverlening en ontheffingen"),
     N_("Horeca, drank, gokken, prostitutie, coffeeshops, evenementen, exploitatie: aanvragen of aanvragers die niet kloppen.")),
    ("handhaving", N_("Toezicht en handhaving"),
     N_("Wat u ziet bij controles of inspecties en wat niet past. Ook: druk om een oogje dicht te knijpen of een controle over te slaan.")),
    ("subsidies", N_("Subsidies"), N_("Aanvragen, verantwoording of aanvragers die vragen oproepen.")),
    ("inkoop", N_("Inkoop en aanbesteding"), N_("Leveranciers, offertes of opdrachten die vreemd lopen.")),
    ("vastgoed", N_("Vastgoed- en grondtransacties"), N_("Koop, verkoop of huur van gemeentelijke grond of panden.")),
    ("brp", N_("Burgerzaken / BRP"), N_("Inschrijvingen, verhuizingen of gegevens in de basisregistratie die niet kloppen.")),
    ("reisdocumenten", N_("Reisdocumenten en rijbewijzen"), N_("Aanvragen met vreemde gegevens of druk bij de balie.")),
    ("financieel", N_("Financiële transacties"),
     N_("Betalingen aan of van de gemeente die niet kloppen. Ook: geld in de kas of kluis dat niet klopt.")),
    ("belastingen", N_("Belastingen en invordering"), N_("Aanslagen, kwijtschelding of invordering: vreemde betalers, contant geld, verzoeken om een uitzondering.")),
    ("sociaal_domein", N_("Sociaal domein / uitkeringen"), N_("Uitkeringen, zorg of hulp waarbij iets niet klopt.")),
    ("omgevingswet", N_("Omgevingswet / ruimtelijke ordening"), N_("Bestemmingsplannen, omgevingsvergunningen, bouw.")),
    ("evenementen", N_("Evenementen"), N_("Organisatoren, beveiligers of geldstromen rond een evenement die niet kloppen.")),
    ("deelnemingen", N_("Deelnemingen en verbonden partijen"), N_("Bedrijven en stichtingen waarin de gemeente deelneemt: vreemde partners of geldstromen.")),
    ("vooroverleg", N_("Vooroverleg"), N_("Gesprekken vóór een aanvraag of besluit: druk, beloftes of vragen naar informatie die niet gedeeld mag worden.")),
    ("personeel", N_("Personeelszaken"), N_("Werving, screening of gedrag van medewerkers.")),
    ("inhuur_nevenwerkzaamheden", N_("Inhuur en nevenwerkzaamheden"),
     N_("Ingehuurde krachten of nevenwerk van medewerkers dat botst met hun werk of toegang geeft tot informatie.")),
    ("ict", N_("ICT, autorisaties en informatie"),
     N_("Toegang tot systemen of gegevens die niet nodig lijkt. Ook: informatie die naar buiten gaat, op papier of in een gesprek.")),
    ("besluitvorming", N_("Besluitvorming"), N_("Druk of beïnvloeding bij besluiten van bestuur of organisatie.")),
    ("overig", N_("Overig"), N_("Past het niet bij een van de andere keuzes? Kies dan deze.")),
]

#: Terms no longer offered. The row stays (inactive) so a code on an older signal still resolves.
#: Bibob is an instrument (a case intervention and a meeting decision, ``bibob_toets``), not a work process.
RETIRED = {
    (TermKind.PROCESS, "bibob"): ("Bibob (instrument, geen werkproces)",
                                  "Bibob is een instrument bij besluiten, geen werkproces. Kies het werkproces, bijvoorbeeld vergunningen."),
}

LOCATION_TYPES = [
    ("bedrijfspand", N_("Bedrijfspand"), N_("Een kantoor, winkel of werkplaats.")),
    ("bedrijventerrein", N_("Bedrijventerrein"), N_("Een terrein met meerdere bedrijven.")),
    ("horeca", N_("Horeca"), N_("Café, restaurant, hotel, coffeeshop.")),
    ("vakantiepark", N_("Vakantiepark / recreatieterrein"), N_("Camping, bungalowpark, recreatieterrein.")),
    ("buitengebied", N_("Agrarisch / buitengebied"), N_("Boerderij, schuur, land.")),
    ("woning", N_("Woning"), N_("Een huis, appartement of kamer.")),
    ("jachthaven", N_("Jachthaven"), N_("Haven, boten, ligplaatsen.")),
    ("school", N_("School-omgeving"), N_("Rondom een school.")),
    ("openbare_ruimte", N_("Openbare ruimte"), N_("Straat, park, plein.")),
    ("online", N_("Online"), N_("Website, sociale media, berichtendienst.")),
]

CHANNELS = [
    ("intern_formulier", "Intern formulier", "Gemeld via dit meldpunt."),
    ("telefoon", "Telefoon", "Telefonisch doorgegeven aan het meldpunt."),
    ("mondeling", "Mondeling / gesprek", "Doorgegeven in een gesprek."),
    ("email", "E-mail", "Doorgegeven per e-mail."),
    ("brief", "Brief", "Per post ontvangen."),
    ("ketenpartner", "Ketenpartner", "Van politie, RIEC, Belastingdienst, een andere gemeente of een andere partner."),
    ("mma", "Meld Misdaad Anoniem", "Via Meld Misdaad Anoniem: anoniem, zonder weg terug naar de tipgever."),
    ("toezicht", "BOA of toezichthouder", "Door een BOA, toezichthouder of handhaver gezien of doorgegeven."),
    ("inwoner", "Inwoner", "Van een inwoner."),
    ("ondernemer", "Ondernemer", "Van een ondernemer."),
    ("publiek_formulier", "Openbaar formulier", "Anoniem gemeld door een inwoner of ondernemer via het openbare formulier."),
]

DEPARTMENTS = [
    ("burgerzaken", N_("Burgerzaken"), ""),
    ("vergunningen", N_("Vergunningen"), ""),
    ("handhaving", N_("Toezicht en handhaving"), ""),
    ("sociaal_domein", N_("Sociaal domein"), ""),
    ("financien", N_("Financiën"), ""),
    ("vastgoed", N_("Vastgoed en grondzaken"), ""),
    ("bestuur", N_("Bestuur en concern"), ""),
    ("overig", N_("Overig"), ""),
]

TAXONOMY = {
    TermKind.PHENOMENON: PHENOMENA,
    TermKind.PROCESS: PROCESSES,
    TermKind.LOCATION_TYPE: LOCATION_TYPES,
    TermKind.CHANNEL: CHANNELS,
    TermKind.DEPARTMENT: DEPARTMENTS,
}
