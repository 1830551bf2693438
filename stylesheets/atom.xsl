<?xml version="1.0" encoding="UTF-8"?>
<!--
  atom.xsl - an Atom 1.0 feed from the same /feed input document as rss.xsl
  (see there).  The feed's id is its own address; an entry's id is the
  release's tag: URI (id and language), which corrections never change;
  updated is the newest correction's date, published the release's.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:pr="urn:x-pr-publish"
                exclude-result-prefixes="pr">

  <xsl:include href="common.xsl"/>

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="lang" select="string(/feed/@lang)"/>
  <xsl:variable name="site" select="/feed/site"/>
  <xsl:variable name="base" select="string($site/@base)"/>

  <xsl:template match="/feed">
    <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{$lang}">
      <title>
        <xsl:value-of select="$site/@title"/>
        <xsl:if test="@label">
          <xsl:text> – </xsl:text>
          <xsl:value-of select="@label"/>
        </xsl:if>
      </title>
      <id><xsl:value-of select="concat($base, @atom)"/></id>
      <updated><xsl:value-of select="@updated"/></updated>
      <link rel="self" type="application/atom+xml" href="{$base}{@atom}"/>
      <link rel="alternate" type="text/html" href="{$base}{@page}"/>
      <author><name><xsl:value-of select="$site/@publisher"/></name></author>
      <xsl:apply-templates select="item"/>
    </feed>
  </xsl:template>

  <xsl:template match="item">
    <entry xmlns="http://www.w3.org/2005/Atom">
      <title type="text"><xsl:value-of select="headline"/></title>
      <id><xsl:value-of select="@guid"/></id>
      <link rel="alternate" type="text/html" href="{$base}{@path}"/>
      <published><xsl:value-of select="@published"/></published>
      <updated><xsl:value-of select="@updated"/></updated>
      <xsl:for-each select="field">
        <category term="{@key}" label="{.}" scheme="{$base}{$lang}/fields/"/>
      </xsl:for-each>
      <xsl:if test="summary">
        <summary type="text"><xsl:value-of select="summary"/></summary>
      </xsl:if>
      <content type="html"><xsl:call-template name="feed-content"/></content>
    </entry>
  </xsl:template>

</xsl:stylesheet>
